package live

import (
	"context"
	"fmt"
	"time"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/mux"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/internal/wire"
)

// DetectTimeout bounds the detection of the multiplexer in 'auto'.
const DetectTimeout = 3 * time.Second

// The modes a Choice reports.
const (
	ModeMux    = "mux"
	ModePerURL = "per-url"
)

// ChooseOptions are what the multiplexer choice of a client depends on.
type ChooseOptions struct {
	// Setting is "auto" or "" (the multiplexer when the backend has one),
	// "on", "json" (the multiplexer, offering only Headlamp's JSON framing)
	// or "off" (per-URL sockets).
	Setting  string
	Dialer   transport.Dialer
	Fetch    Fetcher
	Endpoint endpoint.Endpoint
	UserID   string
	Clock    clock.Clock
	Reach    *backoff.Reach
}

// Choice is the multiplexer a client's lists start with.
type Choice struct {
	Client *mux.Client // nil in per-URL mode
	Mode   string      // ModeMux or ModePerURL
	Reason string      // why, in a sentence for stats
}

// Auto reports whether the setting is 'auto' (the default).
func Auto(setting string) bool { return setting == "" || setting == "auto" }

// Choose makes the multiplexer choice of a client. In 'auto' the backend's
// /config decides when it says whether it serves the multiplexer; otherwise
// one upgrade of /wsMultiplexer (within DetectTimeout) does. An unknown
// setting is an error that names the valid ones.
func Choose(o ChooseOptions) (Choice, error) {
	why := "multiplexer: '" + o.Setting + "'"
	switch o.Setting {
	case "off":
		return Choice{Mode: ModePerURL, Reason: why}, nil
	case "", "auto":
		ctx, cancel := context.WithTimeout(context.Background(), DetectTimeout)
		defer cancel()
		switch advertised(ctx, o.Fetch, o.Endpoint) {
		case "no":
			return Choice{Mode: ModePerURL, Reason: "auto: the backend's /config says it has no multiplexer"}, nil
		case "yes":
			why = "auto: the backend's /config advertises the multiplexer"
		default: // not our backend (Headlamp's has no such field): probe
			if _, err := mux.Detect(ctx, o.Dialer, o.Endpoint, DetectTimeout); err != nil {
				return Choice{Mode: ModePerURL, Reason: "auto: " + err.Error()}, nil
			}
			why = "auto: /wsMultiplexer upgraded"
		}
	case "on", "json":
	default:
		return Choice{}, fmt.Errorf("multiplexer must be 'auto', 'on', 'json' or 'off', not %q", o.Setting)
	}
	c, err := mux.New(mux.Options{
		Dialer: o.Dialer, Endpoint: o.Endpoint, UserID: o.UserID, JSONOnly: o.Setting == "json", Clock: o.Clock, Reach: o.Reach,
		Answers: answers(o.Fetch, o.Endpoint),
	})
	if err != nil {
		return Choice{}, fmt.Errorf("multiplexer: %w", err)
	}
	return Choice{Client: c, Mode: ModeMux, Reason: why}, nil
}

// answers is the multiplexer's probe of the backend: a GET of its /config
// (no credentials) that got any HTTP answer but a 5xx (a proxy's 502 or 503
// says the backend behind it is still down); nil without a Fetcher.
func answers(fetch Fetcher, ep endpoint.Endpoint) func(ctx context.Context) bool {
	if fetch == nil {
		return nil
	}
	url := ep.HTTPURL("", "config")
	return func(ctx context.Context) bool {
		status, _, err := fetch.Get(ctx, url, "")
		return err == nil && status < 500
	}
}

// advertised reads the backend's /config: "yes" or "no" when it says whether
// it serves /wsMultiplexer, "unknown" when it does not say.
func advertised(ctx context.Context, fetch Fetcher, ep endpoint.Endpoint) string {
	status, body, err := fetch.Get(ctx, ep.HTTPURL("", "config"), "")
	if err != nil || status != 200 {
		return "unknown"
	}
	// As a decode into struct{ Multiplexer *bool }: JSON whose multiplexer
	// is a boolean says; anything else does not.
	cfg, err := wire.Parse(body)
	if err != nil || cfg.CheckKind("config", wire.Object, "an object") != nil {
		return "unknown"
	}
	m := cfg.Field("multiplexer")
	on, err := m.Flag("multiplexer")
	switch {
	case err != nil || m.Missing():
		return "unknown"
	case on:
		return "yes"
	}
	return "no"
}
