// Command wasmsize prints where a Go wasm module's code goes: the bytes of
// the code section per package (standard packages by their first two path
// elements, this module's by package, generic instantiations under the
// package that declares them), from a module built with its name section
// (GOOS=js GOARCH=wasm go build without -ldflags=-s). ./build.sh size runs it.
//
//	go run ./scripts/wasmsize [-n 40] [-funcs] module.wasm
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

func main() {
	top := flag.Int("n", 40, "package groups to print")
	funcs := flag.Bool("funcs", false, "print every function's code size instead")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-n 40] [-funcs] module.wasm")
		os.Exit(2)
	}
	b, err := os.ReadFile(flag.Arg(0))
	if err == nil {
		err = report(b, *top, *funcs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmsize:", err)
		os.Exit(1)
	}
}

// module is what wasmsize reads of a module: each defined function's code
// size and name (names[i] is function i counting imports first).
type module struct {
	imports int
	code    []int
	names   map[int]string
	data    int
}

func report(b []byte, top int, funcs bool) error {
	m, err := parse(b)
	if err != nil {
		return err
	}
	if len(m.names) == 0 {
		return errors.New("the module has no name section: build it without -ldflags=-s")
	}
	total := 0
	groups := map[string]int{}
	for i, n := range m.code {
		name := m.names[i+m.imports]
		if funcs {
			fmt.Printf("%8d %s\n", n, name)
		}
		groups[group(name)] += n
		total += n
	}
	if funcs {
		return nil
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return groups[keys[i]] > groups[keys[j]] })
	fmt.Printf("code %d bytes in %d functions, data %d bytes\n", total, len(m.code), m.data)
	for i, k := range keys {
		if i == top {
			break
		}
		fmt.Printf("%8d %5.1f%% %s\n", groups[k], 100*float64(groups[k])/float64(total), k)
	}
	return nil
}

// group names the package of a function as the Go linker spells it in the
// name section ("github.com_kubelive_kubelive_internal_view.(*View).Apply",
// "slices.pdqsortCmpFunc[go.shape...]", "type:.eq.T").
func group(name string) string {
	const self = "github.com_kubelive_kubelive_"
	if strings.HasPrefix(name, "type:") || strings.HasPrefix(name, "type_") {
		return "(type equality and hash functions)"
	}
	pkg := name
	if strings.HasPrefix(pkg, "github.com") {
		pkg = pkg[len("github.com"):]
	}
	if i := strings.IndexAny(pkg, ".["); i >= 0 {
		pkg = pkg[:i]
	}
	if strings.HasPrefix(name, "github.com") {
		pkg = "github.com" + pkg
	}
	if rest, ok := strings.CutPrefix(pkg, self); ok {
		return strings.ReplaceAll(rest, "_", "/")
	}
	if strings.HasPrefix(pkg, "github.com") {
		return pkg
	}
	parts := strings.Split(pkg, "_") // a standard package: its first two elements
	return strings.Join(parts[:min(2, len(parts))], "/")
}

// parse reads the sections wasmsize needs: imports (to count imported
// functions), code (each body's size), data (its size) and the custom
// "name" section's function names.
func parse(b []byte) (*module, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, errors.New("not a wasm module")
	}
	m := &module{names: map[int]string{}}
	r := reader{b: b, i: 8}
	for r.i < len(b) {
		id := r.byte()
		n := r.uleb()
		end := r.i + n
		if r.err != nil || end > len(b) {
			return nil, errors.New("truncated section")
		}
		switch id {
		case 2:
			m.imports = countFuncImports(reader{b: b[:end], i: r.i})
		case 10:
			s := reader{b: b[:end], i: r.i}
			for k := s.uleb(); k > 0 && s.err == nil; k-- {
				size := s.uleb()
				m.code = append(m.code, size)
				s.i += size
			}
		case 11:
			m.data += n
		case 0:
			s := reader{b: b[:end], i: r.i}
			if s.name() == "name" {
				readNames(s, m.names)
			}
		}
		r.i = end
	}
	return m, r.err
}

func countFuncImports(r reader) int {
	n := 0
	for k := r.uleb(); k > 0 && r.err == nil; k-- {
		r.name()
		r.name()
		switch r.byte() {
		case 0: // function: a type index
			r.uleb()
			n++
		case 1: // table: element type, limits
			r.byte()
			r.limits()
		case 2: // memory: limits
			r.limits()
		case 3: // global: value type, mutability
			r.i += 2
		}
	}
	return n
}

func readNames(r reader, names map[int]string) {
	for r.i < len(r.b) && r.err == nil {
		id := r.byte()
		n := r.uleb()
		end := r.i + n
		if id == 1 { // function names
			for k := r.uleb(); k > 0 && r.err == nil; k-- {
				idx := r.uleb()
				names[idx] = r.name()
			}
		}
		r.i = end
	}
}

type reader struct {
	b   []byte
	i   int
	err error
}

func (r *reader) byte() byte {
	if r.i >= len(r.b) {
		r.err = errors.New("truncated")
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *reader) uleb() int {
	v, n := binary.Uvarint(r.b[min(r.i, len(r.b)):])
	if n <= 0 {
		r.err = errors.New("bad LEB128")
		return 0
	}
	r.i += n
	return int(v)
}

func (r *reader) name() string {
	n := r.uleb()
	if r.err != nil || r.i+n > len(r.b) {
		r.err = errors.New("truncated name")
		return ""
	}
	r.i += n
	return string(r.b[r.i-n : r.i])
}

func (r *reader) limits() {
	if r.byte()&1 != 0 {
		r.uleb()
	}
	r.uleb()
}
