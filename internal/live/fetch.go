package live

import (
	"context"
	"time"

	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/probe"
	"github.com/kubelive/kubelive/internal/stream"
	"github.com/kubelive/kubelive/internal/weburl"
)

// Fetcher makes the plain HTTP GETs of a client: LISTs and the probes that
// explain a failed socket. Both return the HTTP status and body, or an
// error when no answer came (ctx.Err() once ctx ended).
type Fetcher interface {
	// Get fetches url with token (if any) as a bearer Authorization header.
	Get(ctx context.Context, url string, token endpoint.Secret) (int, []byte, error)
	// Probe is Get after a failed WebSocket dial: the request carries the
	// page's origin in probe.Header, so that the server answers with the
	// verdict an upgrade from it gets.
	Probe(ctx context.Context, url string, token endpoint.Secret) (int, []byte, error)
}

// ProbeTimeout bounds a probe: a server that does not answer is as good as
// down, and the retry must not wait for it.
const ProbeTimeout = 5 * time.Second

// probeGet makes one probe request and maps its answer
// (probe.FromResponse); nil when no answer came (the dial's own error stands).
func probeGet(ctx context.Context, f Fetcher, ep endpoint.Endpoint, cluster, path, notFound string) error {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	status, body, err := f.Probe(ctx, ep.HTTPURL(cluster, path), ep.Token)
	if err != nil {
		return nil
	}
	return probe.FromResponse(status, body, notFound)
}

// PodProbe returns the probe of a pod stream (logs, exec, attach): a GET of
// the pod, whose 404 ends the stream with "pod <ns>/<name> not found". A nil
// Fetcher gives a nil probe (the stream's dial error stands alone).
func PodProbe(f Fetcher, ep endpoint.Endpoint, cluster string, pod stream.Pod) func(context.Context) error {
	if f == nil {
		return nil
	}
	path := "api/v1/namespaces/" + weburl.PathEscape(pod.Namespace) + "/pods/" + weburl.PathEscape(pod.Name)
	return func(ctx context.Context) error {
		return probeGet(ctx, f, ep, cluster, path, "pod "+pod.Namespace+"/"+pod.Name+" not found")
	}
}
