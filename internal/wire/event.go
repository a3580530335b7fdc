package wire

// Watch event types, as the API server sends them.
const (
	Added    = "ADDED"
	Modified = "MODIFIED"
	Deleted  = "DELETED"
	Bookmark = "BOOKMARK"
	Error    = "ERROR"
)

// Event is one watch event, read without decoding its object.
type Event struct {
	// Type is the event type as sent; unknown types are returned as they are.
	Type string
	// Object is the raw "object" value: a subslice of the frame, not a copy
	// (unless managedFields was cut out of it; then Owned is set).
	Object []byte
	Owned  bool
	// UID, Namespace, Name and ResourceVersion come from object.metadata.
	// For ADDED, MODIFIED and DELETED, UID and ResourceVersion are never
	// empty; for BOOKMARK, ResourceVersion is never empty.
	UID, Namespace, Name, ResourceVersion string
	// Status is set when the object is a kind: Status, whatever the event
	// type; such an object must never be stored as a resource.
	Status *Status
	// InitialEventsEnd is set when metadata.annotations holds
	// "k8s.io/initial-events-end": "true" (the end of sendInitialEvents).
	InitialEventsEnd bool
}

// Item returns the event's object as an Item.
func (e *Event) Item() Item {
	return Item{UID: e.UID, Namespace: e.Namespace, Name: e.Name, ResourceVersion: e.ResourceVersion, Raw: e.Object, Owned: e.Owned}
}

// ScanEvent reads one watch event frame ({"type": ..., "object": {...}},
// optionally followed by whitespace). It allocates one string for the four
// metadata fields of a plain event (more only for escaped values or a Status).
func ScanEvent(frame []byte) (Event, error) { return Options{}.ScanEvent(frame) }

// ScanEvent is the package's ScanEvent with o.
func (o Options) ScanEvent(frame []byte) (Event, error) {
	s := scanner{b: frame, keep: o.KeepManagedFields}
	ev, e := s.event()
	if e != nil {
		e.What, e.Len = "event", len(frame)
		return Event{}, e
	}
	return ev, nil
}

func (s *scanner) event() (Event, *ScanError) {
	if e := s.begin(); e != nil {
		return Event{}, e
	}
	var typ, obj val
	var m meta
	s.i++
	for n := 0; ; n++ {
		k, done, err := s.objectNext(n)
		if err != nil {
			return Event{}, s.err
		}
		if done {
			break
		}
		switch string(s.key(k)) {
		case "type":
			typ, err = s.value(2)
		case "object":
			if s.peek() == '{' {
				err = s.object(2, &m, nil)
				obj = m.raw
			} else {
				obj, err = s.value(2)
			}
		default:
			_, err = s.value(2)
		}
		if err != nil {
			return Event{}, s.err
		}
	}
	if s.end() != nil {
		return Event{}, s.err
	}
	if typ.kind != kString {
		return Event{}, &ScanError{Offset: -1, Reason: "type missing or not a string", Err: ErrShape}
	}
	if obj.kind != kObject {
		return Event{}, &ScanError{Offset: -1, Reason: "object missing or not an object", Err: ErrShape}
	}
	ev := Event{Type: s.eventType(typ)}
	st, e := s.status(&m)
	if e != nil {
		return Event{}, e
	}
	ev.Status = st
	needUID := st == nil && (ev.Type == Added || ev.Type == Modified || ev.Type == Deleted)
	needRV := needUID || st == nil && ev.Type == Bookmark
	var it Item
	if e := s.item(&m, &it, needUID, needRV); e != nil {
		return Event{}, e
	}
	ev.Object, ev.Owned, ev.UID, ev.Namespace, ev.Name, ev.ResourceVersion = it.Raw, it.Owned, it.UID, it.Namespace, it.Name, it.ResourceVersion
	ev.InitialEventsEnd = s.is(m.initialEnd, "true")
	return ev, nil
}

// eventType returns the type without allocating for the five known types.
func (s *scanner) eventType(v val) string {
	if !v.slow {
		switch string(s.b[v.start:v.end]) {
		case Added:
			return Added
		case Modified:
			return Modified
		case Deleted:
			return Deleted
		case Bookmark:
			return Bookmark
		case Error:
			return Error
		}
	}
	return s.text(v)
}
