package podio

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kubelive/kubelive/internal/clock"
)

// Generator appends a realistic log line to every running container at a
// steady rate, so followed logs are alive. Lines mix access logs, klog lines,
// JSON logs and multi-byte UTF-8 text.
type Generator struct {
	pods     Pods
	logs     *LogBook
	clock    clock.Clock
	interval time.Duration

	mu    sync.Mutex
	rnd   *rand.Rand // guarded by mu
	seq   uint64     // lines generated so far; guarded by mu
	steps int        // Steps so far; guarded by mu
}

// sweepEvery is how many Steps pass between two sweeps of the log book for
// containers of deleted pods.
const sweepEvery = 60

// NewGenerator returns a Generator that writes one line per running container
// every interval (one second when interval <= 0). seed makes the text reproducible.
func NewGenerator(pods Pods, logs *LogBook, clk clock.Clock, interval time.Duration, seed uint64) *Generator {
	if interval <= 0 {
		interval = time.Second
	}
	if clk == nil {
		clk = clock.Real{}
	}
	return &Generator{
		pods: pods, logs: logs, clock: clk, interval: interval,
		rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
}

// Run calls Step every interval of the clock until ctx is done.
func (g *Generator) Run(ctx context.Context) error {
	for {
		t := g.clock.NewTimer(g.interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("log generator: %w", ctx.Err())
		case <-t.C():
			g.Step()
		}
	}
}

// Step appends one line to every running container and returns how many it
// wrote. Every sweepEvery Steps it also forgets the logs of containers whose
// pod is gone.
func (g *Generator) Step() int {
	refs := g.pods.Running()
	for _, ref := range refs {
		g.logs.Append(ref, g.line(ref))
	}
	g.mu.Lock()
	g.steps++
	sweep := g.steps%sweepEvery == 0
	g.mu.Unlock()
	if sweep {
		g.logs.Sweep(func(ref ContainerRef) bool {
			_, err := g.pods.Container(ref.Namespace, ref.Pod, ref.Container)
			return err == nil
		})
	}
	return len(refs)
}

// line renders the next line for ref.
func (g *Generator) line(ref ContainerRef) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seq++
	now := g.clock.Now().UTC()
	r := g.rnd
	switch g.seq % 6 {
	case 0:
		return fmt.Sprintf(`10.244.%d.%d - - [%s] "GET /api/v1/items/%d HTTP/1.1" 200 %d "-" "kube-probe/1.37"`,
			r.IntN(4), r.IntN(250)+2, now.Format("02/Jan/2006:15:04:05 -0700"), r.IntN(1000), r.IntN(9000)+100)
	case 1:
		return fmt.Sprintf(`{"level":"info","ts":%q,"logger":"%s","msg":"reconciled","object":"%s/%s","durationMs":%d}`,
			now.Format(time.RFC3339Nano), ref.Container, ref.Namespace, ref.Pod, r.IntN(250))
	case 2:
		return fmt.Sprintf("I%s %7d controller.go:%d] \"Synced objects\" count=%d pod=%q",
			now.Format("0102 15:04:05.000000"), 1, r.IntN(400)+20, r.IntN(120), ref.Pod)
	case 3:
		return fmt.Sprintf("INFO  requête servie en %d ms ✓ — café société 🚀 (#%d)", r.IntN(90)+1, g.seq)
	case 4:
		return fmt.Sprintf("WARN  slow upstream %s: latency=%dms retries=%d", ref.Container, r.IntN(3000)+500, r.IntN(3))
	default:
		return fmt.Sprintf("DEBUG 日本語のログ行 %d: キャッシュ命中率 %d%%", g.seq, r.IntN(100))
	}
}
