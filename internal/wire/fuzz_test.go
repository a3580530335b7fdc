package wire

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reference decoder states the package's rules with encoding/json; the
// fuzz targets check that the scanner agrees with it on every input.

type raw = map[string]json.RawMessage

// refObject decodes a value that must be a JSON object ("null" -> nil, false).
func refObject(m json.RawMessage) (raw, bool) {
	if len(m) == 0 || m[0] != '{' {
		return nil, false
	}
	var r raw
	if json.Unmarshal(m, &r) != nil {
		panic("valid JSON object did not decode")
	}
	return r, true
}

// refText: absent or null -> "", a string -> its value, else not ok.
func refText(m json.RawMessage) (string, bool) {
	if len(m) == 0 || string(m) == "null" {
		return "", true
	}
	if m[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(m, &s) != nil {
		panic("valid JSON string did not decode")
	}
	return s, true
}

func refStatus(o raw) (*Status, bool) {
	if kind, ok := refText(o["kind"]); !ok || kind != "Status" || o["kind"] == nil {
		return nil, true
	}
	st := &Status{}
	if c := o["code"]; len(c) > 0 && string(c) != "null" {
		if json.Unmarshal(c, &st.Code) != nil {
			return nil, false
		}
	}
	var ok1, ok2 bool
	st.Reason, ok1 = refText(o["reason"])
	st.Message, ok2 = refText(o["message"])
	return st, ok1 && ok2
}

func refItem(o raw, needUID, needRV bool) (Item, raw, bool) {
	var md raw
	if m := o["metadata"]; len(m) > 0 && string(m) != "null" {
		var ok bool
		if md, ok = refObject(m); !ok {
			return Item{}, nil, false
		}
	}
	var it Item
	var ok [4]bool
	it.UID, ok[0] = refText(md["uid"])
	it.Namespace, ok[1] = refText(md["namespace"])
	it.Name, ok[2] = refText(md["name"])
	it.ResourceVersion, ok[3] = refText(md["resourceVersion"])
	if ok != [4]bool{true, true, true, true} || needUID && it.UID == "" || needRV && it.ResourceVersion == "" {
		return Item{}, nil, false
	}
	return it, md, true
}

func refEvent(frame []byte) (Event, bool) {
	top, ok := refObject(bytes.TrimLeft(frame, " \t\r\n"))
	if !ok {
		return Event{}, false
	}
	typ, ok := refText(top["type"])
	if !ok || top["type"] == nil || string(top["type"]) == "null" {
		return Event{}, false
	}
	o, ok := refObject(top["object"])
	if !ok {
		return Event{}, false
	}
	st, ok := refStatus(o)
	if !ok {
		return Event{}, false
	}
	isObj := st == nil && (typ == Added || typ == Modified || typ == Deleted)
	it, md, ok := refItem(o, isObj, isObj || st == nil && typ == Bookmark)
	if !ok {
		return Event{}, false
	}
	ev := Event{Type: typ, Object: top["object"], UID: it.UID, Namespace: it.Namespace, Name: it.Name,
		ResourceVersion: it.ResourceVersion, Status: st}
	if ann, ok := refObject(md["annotations"]); ok {
		v, ok := refText(ann[initialEventsEnd])
		ev.InitialEventsEnd = ok && v == "true" && ann[initialEventsEnd] != nil
	}
	return ev, true
}

func refList(body []byte) (List, bool) {
	top, ok := refObject(bytes.TrimLeft(body, " \t\r\n"))
	if !ok {
		return List{}, false
	}
	kind, ok := refText(top["kind"])
	if !ok {
		return List{}, false
	}
	l := List{Kind: kind}
	st, ok := refStatus(top)
	if !ok {
		return List{}, false
	}
	if st != nil {
		l.Status = st
		return l, true
	}
	if m := top["items"]; len(m) > 0 && string(m) != "null" {
		if m[0] != '[' {
			return List{}, false
		}
		var items []json.RawMessage
		if json.Unmarshal(m, &items) != nil {
			panic("valid JSON array did not decode")
		}
		for _, im := range items {
			o, ok := refObject(im)
			if !ok {
				return List{}, false
			}
			it, _, ok := refItem(o, true, true)
			if !ok {
				return List{}, false
			}
			it.Raw = im
			l.Items = append(l.Items, it)
		}
	}
	var md raw
	if m := top["metadata"]; len(m) > 0 && string(m) != "null" {
		if md, ok = refObject(m); !ok {
			return List{}, false
		}
	}
	var ok1, ok2 bool
	l.ResourceVersion, ok1 = refText(md["resourceVersion"])
	l.Continue, ok2 = refText(md["continue"])
	return l, ok1 && ok2
}

var fuzzSeeds = []string{
	`{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","namespace":"ns","uid":"u1","resourceVersion":"10"}}}`,
	`{"type":"MODIFIED","object":{"metadata":{"uid":"u1","resourceVersion":"etcd:AbC/9+=="}}}` + "\n",
	`{"type":"DELETED","object":{"metadata":{"name":"n1","uid":"u9","resourceVersion":"12"}}}`,
	`{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7","annotations":{"k8s.io/initial-events-end":"true"}}}}`,
	`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 123 (456)","reason":"Expired","code":410}}`,
	`{"type":"ADD\u0045D","object":{"metadata":{"name":"caf\u00e9 \"x\"\\\/","uid":"u\u0031","resourceVersion":"r\ud83d\ude00\udc00"}}}`,
	`{"type":"ADDED","object":{"metadata":{"uid":"old"}},"object":{"metadata":{"uid":5,"resourceVersion":"2"}}}`,
	`{"type":"ADDED","object":{"metadata":{"uid":"u","resourceVersion":12}}}`,
	`{"kind":"PodList","metadata":{"resourceVersion":"r10","continue":"tok"},"items":[{"metadata":{"uid":"u2","resourceVersion":"5"}},{"metadata":{"uid":"u1","resourceVersion":"6"}}]}`,
	`{"kind":"Status","code":410,"reason":"Expired","message":"gone"}`,
	`{"items":null,"metadata":null,"kind":null}`,
	"[1, 2.5e-3, -0, true, false, null, \"\\u00e9\xff\"]",
}

func FuzzScanEvent(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		ev, err := ScanEvent(frame)
		if !json.Valid(frame) {
			require.ErrorIs(t, err, ErrSyntax, "invalid JSON must be rejected")
			return
		}
		want, ok := refEvent(frame)
		if !ok {
			require.ErrorIs(t, err, ErrShape)
			return
		}
		require.NoError(t, err)
		assert.Equal(t, want, ev)
	})
}

func FuzzScanList(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		l, err := ScanList(body)
		if !json.Valid(body) {
			require.ErrorIs(t, err, ErrSyntax, "invalid JSON must be rejected")
			return
		}
		want, ok := refList(body)
		if !ok {
			require.ErrorIs(t, err, ErrShape)
			return
		}
		require.NoError(t, err)
		assert.Equal(t, want, l)
	})
}

// TestDeepNestingMatchesEncodingJSON pins the depth limit at encoding/json's.
func TestDeepNestingMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{maxDepth - 2, maxDepth - 1, maxDepth, maxDepth + 1} {
		t.Run(strconv.Itoa(depth), func(t *testing.T) {
			t.Parallel()
			v := bytes.Repeat([]byte("["), depth)
			v = append(v, bytes.Repeat([]byte("]"), depth)...)
			frame := append([]byte(`{"type":"X","object":{"a":`), v...)
			frame = append(frame, "}}"...)
			_, err := ScanEvent(frame)
			assert.Equal(t, json.Valid(frame), err == nil, "depth %d", depth)
		})
	}
}
