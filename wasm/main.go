//go:build js && wasm

// Command kubelive is the WebAssembly module that js/ loads. It only wires
// the parts together: the loader names a boot object in the KUBELIVE_BOOT
// environment variable; main reads its config, starts the client and hands
// the exported API to boot.ready (or a message to boot.fail). api.close()
// ends the client and the program.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/startgc"
	"github.com/kubelive/kubelive/wasm/bridge"
)

// gcPercent trades a little GC time for memory: wasm memory only grows, so
// the heap's high-water mark (a LIST body beside its items) is what a page keeps.
// Measured at 10,000 pods after a 20,000-event stream: 25 keeps 72 MB of wasm
// memory against 82 MB at 50 and 103 MB at 100, with throughput within the
// noise. No memory limit is kept after the start (startBudget): at 48 MiB it cut
// the memory to 63 MB but throughput to a third (the GC ran without pause at
// a live heap that size), and any fixed limit is below the live heap of a
// larger cluster. With a watch event's allocation cut to ~7 KB (the one
// copy of its object, from ~24 KB), the same trade measured again, at 10,000
// pods (wasm memory after a 20,000-event stream; Go collections during 3,000
// events at 1,000/s): 10 gives 66 MB and 8 collections, 15 69 MB and 6, 25
// 72-77 MB and 3, 50 81 MB and 1. 25 stays: no more memory than before, a
// third of the collections.
const gcPercent = 25

// gcFloor is the least headroom the heap gets over its live part after a
// collection (startgc): with the cache's objects packed, 10,000 pods are a
// 12 MB live heap, to which GOGC 25 gives 3 MB, and a stream collected 60
// times where the unpacked 44 MB heap collected 27 (each collection stops
// the thread for its mark of the live heap). With 8 MB the small heap
// collects about as often as the large one did, and a heap above 32 MB
// (40,000 pods and more) runs at GOGC 25 as before.
const gcFloor = 8 << 20

// startBudget is about how large the heap grows before its first
// collection (startgc): the first lists load with no collection at all
// (1,000 pods, 3.4 MB of JSON, fit in 19 MB of wasm memory), then GOGC is
// gcPercent with no limit. Measured at 1,000 pods (P5, median of 5, one
// run against GOGC 25 from the start): cold first list 1,117 -> 1,004 ms,
// warm 696 -> 602 ms (after load(): 358 -> 218 ms); the profile shows no Go
// collection before the first list. The cost: wasm memory at the first
// list 13.6 -> 19.4 MB. A larger cluster reaches the budget during its LIST
// and runs as before from there. Since the cache keeps its objects packed
// (about a sixth of their JSON) the budget is 16 MB, not 32: at 10,000
// pods the heap's high-water mark was the budget (wasm memory after a
// 20,000-event stream 25-29 MB against 40-42 MB with 32 MB). A first list
// of 1,000 pods (3.4 MB of JSON) still fits under it.
const startBudget = 16 << 20

func main() {
	startgc.Start(startBudget, gcPercent, gcFloor)
	boot, err := bootObject()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubelive:", err)
		return
	}
	b, api, err := bridge.Start(config(boot))
	if err != nil {
		_, _ = boot.Call("fail", err.Error())
		return
	}
	done := make(chan struct{})
	stop, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		b.Close()
		select {
		case <-done:
		default:
			close(done)
		}
		return nil
	})
	if err == nil {
		err = api.Set("close", stop.Value())
	}
	if err == nil {
		_, err = boot.Call("ready", api)
	}
	if err != nil {
		b.Close()
		_, _ = boot.Call("fail", err.Error())
		return
	}
	<-done
	stop.Release()
}

func bootObject() (safejs.Value, error) {
	name := os.Getenv("KUBELIVE_BOOT")
	if name == "" {
		return safejs.Value{}, errors.New("KUBELIVE_BOOT is not set; load the module through js/ load()")
	}
	boot, err := safejs.Global().Get(name)
	if err != nil || boot.Type() != safejs.TypeObject {
		return safejs.Value{}, fmt.Errorf("boot object %q not found", name)
	}
	return boot, nil
}

func config(boot safejs.Value) bridge.Config {
	cfg, err := boot.Get("config")
	if err != nil {
		return bridge.Config{}
	}
	return bridge.Config{
		BaseURL:     stringProp(cfg, "baseURL"),
		Token:       endpoint.Secret(stringProp(cfg, "token")),
		UserID:      stringProp(cfg, "userId"),
		Multiplexer: stringProp(cfg, "multiplexer"),
		MaxFrame:    intProp(cfg, "maxFrameBytes"),
		StaleAfter:  time.Duration(intProp(cfg, "staleAfterMs")) * time.Millisecond,
		// keepManagedFields is passed as 1 or 0 (a number, like every option here)
		KeepManagedFields: intProp(cfg, "keepManagedFields") == 1,
		Persist:           intProp(cfg, "persist") == 1,
		PersistExclude:    lines(stringProp(cfg, "persistExclude")),
		Handoff:           stringProp(cfg, "handoff"),
		HandoffAt:         time.UnixMilli(int64(intProp(cfg, "handoffAt"))),
		Prefetched:        objectProp(cfg, "prefetch"),
	}
}

// lines splits a newline-separated list ("" is none).
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// intProp reads a whole number property (0 when absent or not a number).
func intProp(o safejs.Value, name string) int {
	v, err := o.Get(name)
	if err != nil || v.Type() != safejs.TypeNumber {
		return 0
	}
	n, _ := v.Int()
	return n
}

// objectProp reads an object property (undefined when absent or not an object).
func objectProp(o safejs.Value, name string) safejs.Value {
	v, err := o.Get(name)
	if err != nil || v.Type() != safejs.TypeObject {
		return safejs.Undefined()
	}
	return v
}

func stringProp(o safejs.Value, name string) string {
	v, err := o.Get(name)
	if err != nil || v.Type() != safejs.TypeString {
		return ""
	}
	s, _ := v.String()
	return s
}
