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
	meta   []byte            // meta.json as written
	list   []byte            // the LIST body
	listRV string            // its metadata.resourceVersion
	items  []json.RawMessage // its items, for pages (limit/continue)
	final  []byte            // final.json
	frames [][]byte          // one watch event each, ending in '\n'
	rvs    []int64           // rvs[i]: resourceVersion of frames[i], increasing
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
	var l struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(d.list, &l); err != nil {
		return nil, fmt.Errorf("%s list: %w", name, err)
	}
	d.listRV, d.items = l.Metadata.ResourceVersion, l.Items
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

// page returns the LIST body of limit items from the offset that cont
// encodes ("" : 0), with a continue token when more follow, as the API
// server pages a LIST (every page is at the first page's resourceVersion).
func (d *dataset) page(limit int, cont string) ([]byte, error) {
	from := 0
	if cont != "" {
		n, err := strconv.Atoi(cont)
		if err != nil || n < 0 || n > len(d.items) {
			return nil, fmt.Errorf("continue %q is not valid", cont)
		}
		from = n
	}
	to := min(from+limit, len(d.items))
	next := ""
	if to < len(d.items) {
		next = strconv.Itoa(to)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":%q,"continue":%q},"items":[`, d.listRV, next)
	for i, it := range d.items[from:to] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}
