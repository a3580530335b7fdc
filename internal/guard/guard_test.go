// Package guard holds the layout rules of the repository as tests: pure Go in
// internal/ never reaches the browser, every Go file in wasm/ is built for
// js/wasm only and touches the browser (plain logic lives in internal/), and
// the multiplexer's wire format stands apart from its client.
package guard

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func goFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			out = append(out, path)
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, out, root)
	return out
}

func TestInternalNeverImportsTheBrowser(t *testing.T) {
	t.Parallel()
	for _, path := range goFiles(t, "..") {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			assert.NotEqual(t, "syscall/js", p, path)
			assert.NotContains(t, p, "hack-pad/safejs", path)
			assert.False(t, strings.Contains(p, "/wasm/"), "%s imports %s", path, p)
		}
	}
}

func TestWasmFilesAreTagged(t *testing.T) {
	t.Parallel()
	for _, path := range goFiles(t, filepath.Join("..", "..", "wasm")) {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.PackageClauseOnly)
		require.NoError(t, err)
		tagged := false
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if c.Text == "//go:build js && wasm" {
					tagged = true
				}
			}
		}
		assert.True(t, tagged, "%s lacks //go:build js && wasm", path)
	}
}

// The multiplexer's wire format lives in internal/muxwire: the server and
// the wire package itself never import the client (internal/mux), so
// neither depends on the client's sockets, redials or routing.
func TestMuxWireStandsAlone(t *testing.T) {
	t.Parallel()
	const client = "github.com/kubelive/kubelive/internal/mux"
	files := append(goFiles(t, filepath.Join("..", "muxwire")), goFiles(t, filepath.Join("..", "..", "server"))...)
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue // tests of the server drive it with the real client
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			assert.NotEqual(t, client, p, "%s imports the multiplexer client; the wire format is in internal/muxwire", path)
		}
	}
}

// wasm/ holds only what touches the browser: every non-test Go file there
// imports syscall/js, safejs or wasm/browser (marshalling, the adapters,
// wiring). Plain logic belongs in internal/, where it runs natively under
// -race.
func TestWasmFilesTouchTheBrowser(t *testing.T) {
	t.Parallel()
	for _, path := range goFiles(t, filepath.Join("..", "..", "wasm")) {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		require.NoError(t, err)
		touches := false
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "syscall/js" || p == "github.com/hack-pad/safejs" || p == "github.com/kubelive/kubelive/wasm/browser" {
				touches = true
			}
		}
		assert.True(t, touches, "%s touches no browser API (syscall/js, safejs, wasm/browser): move its logic to internal/", path)
	}
}
