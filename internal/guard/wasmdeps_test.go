package guard

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heavy are packages the wasm module leaves out for its size (gzipped, it
// must stay under 1.5 MB): encoding/json (reflection; internal/wire reads
// JSON and internal/jsonw writes it), tinylib/msgp's runtime (it links
// encoding/json; internal/msgpack), and crypto, whose FIPS module comes
// with crypto/rand or crypto/sha256 (randomness is injected, SHA-256 is
// internal/sha256lite), and net/url, which brings net/netip and unique
// (internal/weburl escapes and reads URLs). Tests and native code may use
// them.
var heavy = []string{"encoding/json", "github.com/tinylib/msgp/msgp", "crypto", "net/url", "net/netip"}

func TestWasmModuleLeavesOutHeavyPackages(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command that runs this test is on PATH")
	cmd := exec.Command(goBin, "list", "-deps", "./wasm")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	require.NoError(t, err, "go list -deps ./wasm")
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/kubelive/kubelive/wasm/bridge", "the list is the module's")
	for _, d := range deps {
		for _, h := range heavy {
			assert.False(t, d == h || strings.HasPrefix(d, h+"/"), "the wasm module imports %s (%s)", d, h)
		}
	}
}
