package wire

import "strings"

// Item is one Kubernetes object: the identity fields Go needs and the raw
// JSON JS will parse. Raw is a subslice of the scanned input (no copy); the
// input must not be modified while an Item refers to it.
type Item struct {
	UID, Namespace, Name, ResourceVersion string
	Raw                                   []byte
	// Owned is set when Raw is a private copy (it aliases no input buffer),
	// so that a keeper need not copy it again.
	Owned bool
}

// Status is a metav1.Status (kind: Status): what an ERROR event, a failed
// LIST or a failed GET carries.
type Status struct {
	Code    int
	Reason  string
	Message string
}

// Expired reports a 410 or the reasons Expired/Gone: the resourceVersion is
// too old and the client must relist.
func (s *Status) Expired() bool {
	return s != nil && (s.Code == 410 || s.Reason == "Expired" || s.Reason == "Gone")
}

const initialEventsEnd = "k8s.io/initial-events-end"

// meta holds the spans extracted from one object; absent fields have kind
// kAbsent. Invariant: the fields belong to the last "metadata" member seen,
// as with encoding/json's last-wins rule for duplicate keys.
type meta struct {
	raw                          val
	kind                         val
	metadata                     val
	uid, namespace, name, rv     val
	cont                         val // metadata.continue (lists)
	initialEnd                   val // metadata.annotations["k8s.io/initial-events-end"]
	code, reason, message        val
	annotationsObject, hasStatus bool
	// managed is the span of metadata's "managedFields" member to cut from
	// raw (its key, value and one separating comma); end == 0 if none.
	managed struct{ start, end int }
}

// key returns the decoded bytes of a key (no allocation unless escaped).
func (s *scanner) key(k val) []byte {
	if !k.slow {
		return s.b[k.start:k.end]
	}
	return unquote(nil, s.b[k.start:k.end])
}

// object scans an object at depth d, recording into m (reset first). The
// scanner must be on '{'. Members listed in extra are handed to fn.
func (s *scanner) object(d int, m *meta, fn func(key []byte) (bool, error)) error {
	*m = meta{}
	start := s.i
	if err := s.open(d); err != nil {
		return err
	}
	for n := 0; ; n++ {
		k, done, err := s.objectNext(n)
		if err != nil {
			return err
		}
		if done {
			break
		}
		key := s.key(k)
		switch string(key) {
		case "kind":
			m.kind, err = s.value(d + 1)
		case "metadata":
			err = s.metadata(d+1, m)
		case "code":
			m.code, err = s.value(d + 1)
		case "reason":
			m.reason, err = s.value(d + 1)
		case "message":
			m.message, err = s.value(d + 1)
		default:
			handled := false
			if fn != nil {
				handled, err = fn(key)
			}
			if !handled && err == nil {
				_, err = s.value(d + 1)
			}
		}
		if err != nil {
			return err
		}
	}
	m.raw = val{start: start, end: s.i, kind: kObject}
	return nil
}

// metadata scans the value of a "metadata" member at depth d.
func (s *scanner) metadata(d int, m *meta) error {
	m.uid, m.namespace, m.name, m.rv, m.cont, m.initialEnd = val{}, val{}, val{}, val{}, val{}, val{}
	m.managed.start, m.managed.end = 0, 0
	if s.peek() != '{' {
		v, err := s.value(d)
		m.metadata = v
		return err
	}
	m.metadata = val{start: s.i, kind: kObject}
	if err := s.open(d); err != nil {
		return err
	}
	cutNext := false // the cut member came first: its comma follows it
	for n := 0; ; n++ {
		before := s.i
		k, done, err := s.objectNext(n)
		if err != nil || done {
			return err
		}
		if cutNext {
			m.managed.end, cutNext = k.start-1, false // up to the next key's quote
		}
		switch string(s.key(k)) {
		case "managedFields":
			if _, err = s.value(d + 1); err == nil && !s.keep {
				m.managed.start, m.managed.end, cutNext = before, s.i, n == 0
			}
		case "uid":
			m.uid, err = s.value(d + 1)
		case "namespace":
			m.namespace, err = s.value(d + 1)
		case "name":
			m.name, err = s.value(d + 1)
		case "resourceVersion":
			m.rv, err = s.value(d + 1)
		case "continue":
			m.cont, err = s.value(d + 1)
		case "annotations":
			err = s.annotations(d+1, m)
		default:
			_, err = s.value(d + 1)
		}
		if err != nil {
			return err
		}
	}
}

// annotations scans metadata.annotations, keeping only initial-events-end.
func (s *scanner) annotations(d int, m *meta) error {
	m.initialEnd = val{}
	if s.peek() != '{' {
		_, err := s.value(d)
		return err
	}
	if err := s.open(d); err != nil {
		return err
	}
	for n := 0; ; n++ {
		k, done, err := s.objectNext(n)
		if err != nil || done {
			return err
		}
		v, err := s.value(d + 1)
		if err != nil {
			return err
		}
		if string(s.key(k)) == initialEventsEnd {
			m.initialEnd = v
		}
	}
}

// text checks a field that must be a string when present: null and absent
// both yield "".
func text(v val, field string) *ScanError {
	switch v.kind {
	case kAbsent, kNull, kString:
		return nil
	}
	return &ScanError{Offset: v.start, Reason: field + " is not a string", Err: ErrShape}
}

// status checks m as a Status and returns it, or nil if m is not kind Status.
func (s *scanner) status(m *meta) (*Status, *ScanError) {
	if !s.is(m.kind, "Status") {
		return nil, nil
	}
	st := &Status{}
	switch m.code.kind {
	case kAbsent, kNull:
	case kNumber:
		n, ok := s.intValue(m.code)
		if !ok {
			return nil, &ScanError{Offset: m.code.start, Reason: "Status code is not an integer", Err: ErrShape}
		}
		st.Code = n
	default:
		return nil, &ScanError{Offset: m.code.start, Reason: "Status code is not a number", Err: ErrShape}
	}
	if e := text(m.reason, "Status reason"); e != nil {
		return nil, e
	}
	if e := text(m.message, "Status message"); e != nil {
		return nil, e
	}
	st.Reason = s.text(m.reason)
	st.Message = s.text(m.message)
	return st, nil
}

// text returns a string value's decoded contents ("" for null or absent).
func (s *scanner) text(v val) string {
	if v.kind != kString {
		return ""
	}
	if !v.slow {
		return string(s.b[v.start:v.end])
	}
	return string(unquote(nil, s.b[v.start:v.end]))
}

// item checks the metadata of m and fills it with one allocation for its
// four strings. needUID and needRV make those fields mandatory.
func (s *scanner) item(m *meta, it *Item, needUID, needRV bool) *ScanError {
	switch m.metadata.kind {
	case kAbsent, kNull, kObject:
	default:
		return &ScanError{Offset: m.metadata.start, Reason: "metadata is not an object", Err: ErrShape}
	}
	fields := [4]val{m.uid, m.namespace, m.name, m.rv}
	names := [4]string{"metadata.uid", "metadata.namespace", "metadata.name", "metadata.resourceVersion"}
	size, slow := 0, false
	for i, v := range fields {
		if e := text(v, names[i]); e != nil {
			return e
		}
		if v.kind == kString {
			size += v.end - v.start
			slow = slow || v.slow
		}
	}
	var out [4]string
	if slow {
		for i, v := range fields {
			out[i] = s.text(v)
		}
	} else if size > 0 {
		var sb strings.Builder
		sb.Grow(size)
		for _, v := range fields {
			if v.kind == kString {
				sb.Write(s.b[v.start:v.end])
			}
		}
		all, off := sb.String(), 0
		for i, v := range fields {
			if v.kind == kString {
				out[i] = all[off : off+v.end-v.start]
				off += v.end - v.start
			}
		}
	}
	if needUID && out[0] == "" {
		return &ScanError{Offset: m.raw.start, Reason: "metadata.uid missing", Err: ErrShape}
	}
	if needRV && out[3] == "" {
		return &ScanError{Offset: m.raw.start, Reason: "metadata.resourceVersion missing", Err: ErrShape}
	}
	*it = Item{UID: out[0], Namespace: out[1], Name: out[2], ResourceVersion: out[3], Raw: s.b[m.raw.start:m.raw.end]}
	if c := m.managed; c.end > c.start && c.start >= m.raw.start && c.end <= m.raw.end {
		raw := make([]byte, 0, m.raw.end-m.raw.start-(c.end-c.start))
		raw = append(append(raw, s.b[m.raw.start:c.start]...), s.b[c.end:m.raw.end]...)
		it.Raw, it.Owned = raw, true
	}
	return nil
}

// ScanObject reads one object, as returned by a GET: its identity and raw
// bytes, or the Status when the body is a kind: Status.
func ScanObject(body []byte) (Item, *Status, error) { return Options{}.ScanObject(body) }

// ScanObject is the package's ScanObject with o.
func (o Options) ScanObject(body []byte) (Item, *Status, error) {
	s := scanner{b: body, keep: o.KeepManagedFields}
	var m meta
	fail := func(e *ScanError) (Item, *Status, error) {
		e.What, e.Len = "object", len(body)
		return Item{}, nil, e
	}
	if e := s.begin(); e != nil {
		return fail(e)
	}
	if s.object(1, &m, nil) != nil || s.end() != nil {
		return fail(s.err)
	}
	st, e := s.status(&m)
	if e != nil {
		return fail(e)
	}
	var it Item
	if e := s.item(&m, &it, st == nil, st == nil); e != nil {
		return fail(e)
	}
	if st != nil {
		return Item{}, st, nil
	}
	return it, nil, nil
}
