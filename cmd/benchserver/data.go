package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// dataset is one generated data set (bench/gen), held in memory.
type dataset struct {
	name   string
	meta   []byte   // meta.json as written
	list   []byte   // the LIST body
	final  []byte   // final.json
	frames [][]byte // one watch event each, ending in '\n'
	rvs    []int64  // rvs[i]: resourceVersion of frames[i], increasing
}

func loadDataset(dir, name string) (*dataset, error) {
	base := filepath.Join(dir, name)
	d := &dataset{name: name}
	var err error
	if d.meta, err = os.ReadFile(filepath.Join(base, "meta.json")); err != nil {
		return nil, err
	}
	if d.list, err = os.ReadFile(filepath.Join(base, "list.json")); err != nil {
		return nil, err
	}
	if d.final, err = os.ReadFile(filepath.Join(base, "final.json")); err != nil {
		return nil, err
	}
	events, err := os.ReadFile(filepath.Join(base, "events.ndjson"))
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(events))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		frame := make([]byte, len(line)+1)
		copy(frame, line)
		frame[len(line)] = '\n'
		var ev struct {
			Object struct {
				Metadata struct {
					ResourceVersion string `json:"resourceVersion"`
				} `json:"metadata"`
			} `json:"object"`
		}
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, fmt.Errorf("%s event %d: %w", name, len(d.frames), err)
		}
		rv, err := strconv.ParseInt(ev.Object.Metadata.ResourceVersion, 10, 64)
		if err != nil || len(d.rvs) > 0 && rv <= d.rvs[len(d.rvs)-1] {
			return nil, fmt.Errorf("%s event %d: resourceVersion %q out of order", name, len(d.frames), ev.Object.Metadata.ResourceVersion)
		}
		d.frames = append(d.frames, frame)
		d.rvs = append(d.rvs, rv)
	}
	return d, sc.Err()
}

// after returns the index of the first event after resourceVersion rv ("" or
// unparsable: from the start).
func (d *dataset) after(rv string) int {
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil {
		return 0
	}
	return sort.Search(len(d.rvs), func(i int) bool { return d.rvs[i] > n })
}
