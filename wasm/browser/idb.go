//go:build js && wasm

package browser

import (
	_ "embed"
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"
)

// IDBSource is the JS half of IDB; pass it to NewShim.
//
//go:embed idb.js
var IDBSource string

// IDB is a persist.Backend over IndexedDB (a page's or a worker's). Each
// call blocks its goroutine until its transaction completed: never call it
// from a JS callback. Each call's one-shot js.Func is released once JS
// called it.
type IDB struct {
	shim  *Shim
	funcs *Funcs
	db    safejs.Value
}

type idbResult struct {
	keys   []string
	values [][]byte
	value  []byte
	found  bool
	err    string
}

// OpenIDB opens kubelive's database (creating it on first use).
func OpenIDB(shim *Shim, funcs *Funcs) (*IDB, error) {
	d := &IDB{shim: shim, funcs: funcs}
	done := make(chan safejs.Value, 1)
	errs := make(chan string, 1)
	fn, err := funcs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		msg := "IndexedDB did not answer"
		if len(args) == 2 {
			msg, _ = args[1].String()
		}
		if msg != "" {
			errs <- msg
			return nil
		}
		done <- args[0]
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open IndexedDB: %w", err)
	}
	defer funcs.Release(fn) // idbOpen calls it exactly once, and it has by the time select returns
	if _, err := shim.Call("idbOpen", fn.Value()); err != nil {
		return nil, fmt.Errorf("open IndexedDB: %w", err)
	}
	select {
	case d.db = <-done:
		return d, nil
	case msg := <-errs:
		return nil, fmt.Errorf("open IndexedDB: %s", msg)
	}
}

// op runs one operation and waits for its transaction.
func (d *IDB) op(op string, a, b any) (idbResult, error) {
	done := make(chan idbResult, 1)
	fn, err := d.funcs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		done <- readIDBResult(op, args) // buffered: never blocks
		return nil
	})
	if err != nil {
		return idbResult{}, fmt.Errorf("IndexedDB %s: %w", op, err)
	}
	if _, err := d.shim.Call("idbOp", d.db, op, a, b, fn.Value()); err != nil {
		d.funcs.Release(fn)
		return idbResult{}, fmt.Errorf("IndexedDB %s: %w", op, err)
	}
	r := <-done // idbOp calls done exactly once
	d.funcs.Release(fn)
	if r.err != "" {
		return r, fmt.Errorf("IndexedDB %s: %s", op, r.err)
	}
	return r, nil
}

// readIDBResult copies what idbOp passed to done into Go, in the callback
// (the values are not kept).
func readIDBResult(op string, args []safejs.Value) idbResult {
	if len(args) != 2 {
		return idbResult{err: "IndexedDB answered without a result"}
	}
	if msg, _ := args[1].String(); msg != "" {
		return idbResult{err: msg}
	}
	res := args[0]
	var r idbResult
	switch op {
	case "get":
		if res.Type() == safejs.TypeObject {
			r.value, r.found = copyBytes(res), true
		}
	case "range":
		if res.Type() != safejs.TypeObject {
			return r
		}
		keys, _ := res.Index(0)
		values, _ := res.Index(1)
		n, _ := keys.Length()
		for i := 0; i < n; i++ {
			k, _ := keys.Index(i)
			v, _ := values.Index(i)
			if k.Type() != safejs.TypeString {
				continue
			}
			s, _ := k.String()
			r.keys = append(r.keys, s)
			r.values = append(r.values, copyBytes(v))
		}
	}
	return r
}

func copyBytes(v safejs.Value) []byte {
	n, err := v.Length()
	if err != nil {
		return nil
	}
	b := make([]byte, n)
	_, _ = safejs.CopyBytesToGo(b, v)
	return b
}

// Get implements persist.Backend.
func (d *IDB) Get(key string) ([]byte, bool, error) {
	r, err := d.op("get", key, nil)
	return r.value, r.found, err
}

// Put implements persist.Backend.
func (d *IDB) Put(key string, value []byte) error {
	u8, err := bytesValue(value)
	if err != nil {
		return fmt.Errorf("IndexedDB put: %w", err)
	}
	_, err = d.op("put", key, u8)
	return err
}

// Delete implements persist.Backend.
func (d *IDB) Delete(key string) error {
	_, err := d.op("delete", key, nil)
	return err
}

// Range implements persist.Backend.
func (d *IDB) Range(lo, hi string) (map[string][]byte, error) {
	r, err := d.op("range", lo, hi)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(r.keys))
	for i, k := range r.keys {
		out[k] = r.values[i]
	}
	return out, nil
}

// DeleteRange implements persist.Backend.
func (d *IDB) DeleteRange(lo, hi string) error {
	_, err := d.op("deleteRange", lo, hi)
	return err
}

// bytesValue copies b into a new Uint8Array.
func bytesValue(b []byte) (safejs.Value, error) {
	ctor, err := safejs.Global().Get("Uint8Array")
	if err != nil {
		return safejs.Value{}, err
	}
	u8, err := ctor.New(len(b))
	if err != nil {
		return safejs.Value{}, err
	}
	if _, err := safejs.CopyBytesToJS(u8, b); err != nil {
		return safejs.Value{}, errors.New("copy to a Uint8Array failed")
	}
	return u8, nil
}
