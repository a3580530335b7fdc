package live

import (
	"encoding/binary"
	"slices"
	"time"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/jsonw"
	"github.com/kubelive/kubelive/internal/probe"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/stream"
	"github.com/kubelive/kubelive/internal/wire"
)

// SnapshotChunk bounds the JSON of one crossing into the page when a whole
// snapshot is handed over: Go never holds a second copy of a big list.
const SnapshotChunk = 1 << 20

// EncodeItems appends the JSON array of the items' objects to buf, each
// object with its cluster as a last member "cluster" (a member of that name
// in the object itself is overridden, as JSON.parse keeps the last one), and
// returns their slots, index for index. The page parses the array in one
// JSON.parse and touches no object after it; a raw value that is not an
// object (never, from the scanner) is appended as it is.
func EncodeItems(buf []byte, items []*cache.Item) ([]byte, []cache.SlotID) {
	buf, slots, _ := encodeItems(buf, items, false, false)
	return buf, slots
}

// EncodeItemsEnds is EncodeItems that also returns, index for index, the
// offset in the returned buffer just past each object: object i is
// buf[start:ends[i]] with start one byte past the '[' (i == 0) or past
// ends[i-1]'s ','. A reader that keeps each object's JSON as it is (the
// worker host) cuts the array there without parsing it.
func EncodeItemsEnds(buf []byte, items []*cache.Item) ([]byte, []cache.SlotID, []uint32) {
	return encodeItems(buf, items, true, false)
}

// EncodeItemsSpans is EncodeItemsEnds whose index also locates each
// object's top-level members: for object i, in order, the offset just past
// it (as EncodeItemsEnds' ends[i]), then wire.AppendMemberSpans of the
// object as written (its cluster member included) and, unless that was
// wire.NoSpans alone, wire.AppendMemberSpans of its "metadata" member's
// value (the last, when there are several), or wire.NoSpans when it has
// none that is an object; every offset relative to the object's first
// byte. A reader that keeps each object as text (the worker host's page)
// so parses one member, or one member of metadata, without the others.
func EncodeItemsSpans(buf []byte, items []*cache.Item) ([]byte, []cache.SlotID, []uint32) {
	return encodeItems(buf, items, true, true)
}

func encodeItems(buf []byte, items []*cache.Item, withEnds, spans bool) ([]byte, []cache.SlotID, []uint32) {
	slots := make([]cache.SlotID, len(items))
	var ends []uint32
	if spans {
		// per object its end, two counts and 4 offsets per member: a pod's
		// 6 members and its metadata's 10-15 take 70-90 words (one
		// allocation per crossing, not a slice grown by doubling)
		ends = make([]uint32, 0, 96*len(items))
	} else if withEnds {
		ends = make([]uint32, len(items))
	}
	var cluster string
	var quoted []byte // cluster as a JSON string; items of a list share one
	buf = append(buf, '[')
	for i, it := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		if quoted == nil || it.Cluster != cluster {
			cluster, quoted = it.Cluster, quoteJSON(it.Cluster)
		}
		start := len(buf)
		buf = appendWithCluster(it.AppendJSON(buf), start, quoted)
		slots[i] = it.Slot
		switch {
		case spans:
			ends = appendSpans(append(ends, uint32(len(buf))), buf[start:])
		case withEnds:
			ends[i] = uint32(len(buf))
		}
	}
	return append(buf, ']'), slots, ends
}

// EncodeObjects appends the items' objects to buf end to end (each with its
// cluster member, as EncodeItems writes it; no brackets, no commas) and
// returns the longer buf and index, to which it appends an index of them:
// per object, in order, its start and end in the returned buf, the number
// n of words that follow, then those n words, the spans of its members and
// of its metadata's (EncodeItemsSpans' words, offsets from the object's
// start). A reader that hands each object on as its bytes cuts them so
// without parsing them.
func EncodeObjects(buf []byte, index []uint32, items []*cache.Item) ([]byte, []uint32) {
	// 3 words and a pod's 70-90 span words an object: one allocation, not
	// a slice grown by doubling (encodeItems sizes its ends the same way)
	index = slices.Grow(index, 96*len(items))
	var cluster string
	var quoted []byte
	for _, it := range items {
		if quoted == nil || it.Cluster != cluster {
			cluster, quoted = it.Cluster, quoteJSON(it.Cluster)
		}
		start := len(buf)
		buf = appendWithCluster(it.AppendJSON(buf), start, quoted)
		index = append(index, uint32(start), uint32(len(buf)), 0)
		k := len(index)
		index = appendSpans(index, buf[start:])
		index[k-1] = uint32(len(index) - k)
	}
	return buf, index
}

// appendSpans appends the member spans of obj, then those of its metadata
// (EncodeItemsSpans); obj is valid JSON (appendMemberSpans).
func appendSpans(dst []uint32, obj []byte) []uint32 {
	at := len(dst)
	dst = appendMemberSpans(dst, obj)
	n := dst[at]
	if n == wire.NoSpans {
		return dst
	}
	meta := -1
	for m := 0; m < int(n); m++ {
		if w := dst[at+1+4*m:]; string(obj[w[0]:w[1]]) == "metadata" {
			meta = m
		}
	}
	if meta < 0 {
		return append(dst, wire.NoSpans)
	}
	vs, ve := dst[at+1+4*meta+2], dst[at+1+4*meta+3]
	k := len(dst)
	dst = appendMemberSpans(dst, obj[vs:ve])
	if dst[k] != wire.NoSpans {
		for i := k + 1; i < len(dst); i++ {
			dst[i] += vs
		}
	}
	return dst
}

// appendWithCluster adds the member "cluster":quoted last to the object
// buf[start:] (the object as it is when it is not one).
func appendWithCluster(buf []byte, start int, quoted []byte) []byte {
	raw := buf[start:]
	end := len(raw)
	for end > 0 && isSpace(raw[end-1]) {
		end--
	}
	if end < 2 || raw[0] != '{' || raw[end-1] != '}' {
		return buf
	}
	body := raw[:end-1] // without the closing brace
	buf = buf[:start+end-1]
	if !emptyObject(body) {
		buf = append(buf, ',')
	}
	buf = append(buf, `"cluster":`...)
	buf = append(buf, quoted...)
	return append(buf, '}')
}

// emptyObject reports whether body, an object without its closing brace,
// has no member yet.
func emptyObject(body []byte) bool {
	for _, c := range body[1:] {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// quoteJSON is s as a JSON string.
func quoteJSON(s string) []byte {
	return jsonw.String(nil, s)
}

// Chunks splits items into runs whose JSON is about SnapshotChunk bytes
// each (an item bigger than that is a run of its own) and returns the end
// index of each run.
func Chunks(items []*cache.Item) []int {
	var ends []int
	for start := 0; start < len(items); {
		end, size := start, 0
		for end < len(items) && (end == start || size+items[end].Len() <= SnapshotChunk) {
			size += items[end].Len() + 1
			end++
		}
		ends = append(ends, end)
		start = end
	}
	return ends
}

// SlotBytes is slots (or any uint32s, e.g. EncodeItemsEnds' ends) as
// little-endian uint32s (a Uint32Array's bytes); nil for nil.
func SlotBytes[T ~uint32](s []T) []byte {
	if s == nil {
		return nil
	}
	return AppendSlotBytes(make([]byte, 0, 4*len(s)), s)
}

// AppendSlotBytes appends slots to buf as SlotBytes encodes them.
func AppendSlotBytes[T ~uint32](buf []byte, s []T) []byte {
	for _, x := range s {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(x))
	}
	return buf
}

// SpliceWords is splices as the JS view reads them: for each, its position
// in the previous order, how many it removes, how many it inserts, then the
// inserted slots; nil for none.
func SpliceWords(splices []cache.Splice) []uint32 {
	if splices == nil {
		return nil
	}
	size := 0
	for _, s := range splices {
		size += 3 + len(s.Inserted)
	}
	out := make([]uint32, 0, size)
	for _, s := range splices {
		out = append(out, uint32(s.At), uint32(s.Removed), uint32(len(s.Inserted)))
		for _, slot := range s.Inserted {
			out = append(out, uint32(slot))
		}
	}
	return out
}

type listMeta struct {
	Cluster         string     `json:"cluster"`
	Namespace       string     `json:"namespace"`
	Status          string     `json:"status"`
	Since           int64      `json:"since,omitempty"`     // ms since the epoch
	LastEvent       int64      `json:"lastEvent,omitempty"` // ms since the epoch
	ResourceVersion string     `json:"resourceVersion"`
	Error           *ErrorJSON `json:"error,omitempty"`
	LastError       *ErrorJSON `json:"lastError,omitempty"`
	LastErrorAt     int64      `json:"lastErrorAt,omitempty"` // ms since the epoch
	Deleted         bool       `json:"deleted,omitempty"`
}

// ErrorJSON is an error as a snapshot carries it: a sentence, and the raw
// HTTP code and reason when there are any (probe.Describe).
type ErrorJSON struct {
	Message string `json:"message"`
	Code    int    `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Describe is err as a snapshot carries it; nil for nil.
func Describe(err error) *ErrorJSON {
	if err == nil {
		return nil
	}
	p := probe.Describe(err)
	return &ErrorJSON{Message: p.Message, Code: p.Code, Reason: p.Reason}
}

// rank orders the phases for Overall: the higher, the worse; a phase it
// does not know ranks as an error (no good news).
func rank(p reflector.Phase) int {
	switch p {
	case reflector.PhaseLive:
		return 0
	case reflector.PhaseStale:
		return 1
	case reflector.PhaseLoading:
		return 2
	case reflector.PhaseReconnecting:
		return 3
	}
	return 4
}

// Overall is the one status of a query made of several lists: the worst of
// theirs, error > reconnecting > loading > stale > live; loading for a query
// of no list. It never claims more than its worst list: live only when
// every list is live.
func Overall(lists []cache.ListStatus) reflector.Phase {
	if len(lists) == 0 {
		return reflector.PhaseLoading
	}
	worst := reflector.PhaseLive
	for _, l := range lists {
		if r := rank(l.Phase); r > rank(worst) {
			worst = l.Phase
			if r == 4 {
				return reflector.PhaseError
			}
		}
	}
	return worst
}

// MetaJSON is the lists' part of a snapshot as JSON: its version, when it
// changed, the query's Overall status and each list's status (the cache's,
// staleness included: the cache's timer decides it), error and resume point.
func MetaJSON(lists []cache.ListStatus, version uint64, at time.Time) string {
	out := struct {
		Version   uint64     `json:"version"`
		UpdatedAt int64      `json:"updatedAt"`
		Status    string     `json:"status"`
		Lists     []listMeta `json:"lists"`
	}{Version: version, UpdatedAt: ms(at), Status: Overall(lists).String(), Lists: make([]listMeta, len(lists))}
	for i, l := range lists {
		m := listMeta{Cluster: l.Cluster, Namespace: l.Namespace, Status: l.Phase.String(), Since: ms(l.Since),
			LastEvent: ms(l.LastEvent), ResourceVersion: l.ResourceVersion, Deleted: l.Deleted,
			Error: Describe(l.Err), LastError: Describe(l.LastErr)}
		if l.LastErr != nil {
			m.LastErrorAt = ms(l.LastErrAt)
		}
		out.Lists[i] = m
	}
	text := jsonw.Uint(append([]byte(nil), `{"version":`...), out.Version)
	text = jsonw.Int(append(text, `,"updatedAt":`...), out.UpdatedAt)
	text = jsonw.String(append(text, `,"status":`...), out.Status)
	text = jsonw.Array(append(text, `,"lists":`...), out.Lists, appendListMeta)
	return string(append(text, '}'))
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

type lineJSON struct {
	Text string `json:"text"`
	Time string `json:"time,omitempty"`
}

// LinesJSON is log lines as the page gets them: [{text, time}], time in
// RFC 3339 with nanoseconds, absent for a line without a timestamp.
func LinesJSON(lines []stream.Line) string {
	out := make([]lineJSON, len(lines))
	for i, l := range lines {
		out[i].Text = l.Text
		if !l.Time.IsZero() {
			out[i].Time = l.Time.Format(time.RFC3339Nano)
		}
	}
	return string(jsonw.Array(nil, out, appendLine))
}
