package wire

// List is a LIST response read without decoding its items.
type List struct {
	Kind            string // e.g. "PodList"; "Status" when the body is a Status
	ResourceVersion string // metadata.resourceVersion
	Continue        string // metadata.continue ("" on the last page)
	// Items are in server order. Each has a UID and a ResourceVersion; Raw
	// is a subslice of the body (a copy, Owned, when managedFields was cut).
	Items []Item
	// Status is set when the body is a kind: Status (a failed LIST, e.g. 410
	// Expired); Items is then empty.
	Status *Status
}

// ScanList reads a LIST response body, or the Status a failed request returns.
func ScanList(body []byte) (List, error) { return Options{}.ScanList(body) }

// ScanList is the package's ScanList with o.
func (o Options) ScanList(body []byte) (List, error) {
	s := scanner{b: body, keep: o.KeepManagedFields}
	l, e := s.list()
	if e != nil {
		e.What, e.Len = "list", len(body)
		return List{}, e
	}
	return l, nil
}

func (s *scanner) list() (List, *ScanError) {
	if e := s.begin(); e != nil {
		return List{}, e
	}
	var (
		m        meta
		items    []Item
		itemsErr *ScanError // first shape error of the last "items" member
		itemsVal val
	)
	err := s.object(1, &m, func(key []byte) (bool, error) {
		if string(key) != "items" {
			return false, nil
		}
		items, itemsErr = items[:0], nil
		if s.peek() != '[' {
			var err error
			itemsVal, err = s.value(2)
			return true, err
		}
		itemsVal = val{start: s.i, kind: kArray}
		s.i++
		for n := 0; ; n++ {
			done, err := s.arrayNext(n)
			if err != nil || done {
				return true, err
			}
			if s.peek() != '{' {
				v, err := s.value(3)
				if err == nil && itemsErr == nil {
					itemsErr = &ScanError{Offset: v.start, Reason: "item is not an object", Err: ErrShape}
				}
				if err != nil {
					return true, err
				}
				continue
			}
			var im meta
			if err := s.object(3, &im, nil); err != nil {
				return true, err
			}
			var it Item
			if e := s.item(&im, &it, true, true); e != nil {
				if itemsErr == nil {
					itemsErr = e
				}
				continue
			}
			items = append(items, it)
		}
	})
	if err != nil || s.end() != nil {
		return List{}, s.err
	}
	if e := text(m.kind, "kind"); e != nil {
		return List{}, e
	}
	l := List{Kind: s.text(m.kind)}
	st, e := s.status(&m)
	if e != nil {
		return List{}, e
	}
	if st != nil {
		l.Status = st
		return l, nil
	}
	switch itemsVal.kind {
	case kAbsent, kNull, kArray:
	default:
		return List{}, &ScanError{Offset: itemsVal.start, Reason: "items is not an array", Err: ErrShape}
	}
	if itemsErr != nil {
		return List{}, itemsErr
	}
	switch m.metadata.kind {
	case kAbsent, kNull, kObject:
	default:
		return List{}, &ScanError{Offset: m.metadata.start, Reason: "metadata is not an object", Err: ErrShape}
	}
	if e := text(m.rv, "metadata.resourceVersion"); e != nil {
		return List{}, e
	}
	if e := text(m.cont, "metadata.continue"); e != nil {
		return List{}, e
	}
	l.ResourceVersion, l.Continue, l.Items = s.text(m.rv), s.text(m.cont), items
	return l, nil
}

// ListContinue returns the metadata.continue of a LIST body without reading
// its items: ListHead's cont.
func ListContinue(body []byte) string {
	_, cont := ListHead(body)
	return cont
}

// ListHead returns the metadata.resourceVersion and metadata.continue of a
// LIST body without reading its items, when the metadata comes before them
// (as the API server writes it); "" for each when it comes after, when
// there is none, or when the body does not scan that far (ScanList, which
// reads all of it, says why). A caller that acts on them early checks them
// against the whole scan's List: a body with two metadata members keeps
// the last, this returns the first.
func ListHead(body []byte) (rv, cont string) {
	s := scanner{b: body}
	if s.begin() != nil || s.open(1) != nil {
		return "", ""
	}
	for n := 0; ; n++ {
		k, done, err := s.objectNext(n)
		if err != nil || done {
			return "", ""
		}
		switch string(s.key(k)) {
		case "items":
			return "", ""
		case "metadata":
			var m meta
			if s.metadata(2, &m) != nil {
				return "", ""
			}
			return s.text(m.rv), s.text(m.cont)
		default:
			if _, err := s.value(2); err != nil {
				return "", ""
			}
		}
	}
}
