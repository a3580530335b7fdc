package live

import "github.com/kubelive/kubelive/internal/jsonw"

// The appenders below write what encoding/json's Marshal writes for the
// same values (members in field order under their tags, omitempty members
// left out when zero), byte for byte.

// AppendJSON appends e as {"message","code","reason"}, code and reason left
// out when zero; a nil e as null.
func (e *ErrorJSON) AppendJSON(b []byte) []byte {
	if e == nil {
		return append(b, "null"...)
	}
	b = jsonw.String(append(b, `{"message":`...), e.Message)
	if e.Code != 0 {
		b = jsonw.Int(append(b, `,"code":`...), e.Code)
	}
	if e.Reason != "" {
		b = jsonw.String(append(b, `,"reason":`...), e.Reason)
	}
	return append(b, '}')
}

func appendListMeta(b []byte, m listMeta) []byte {
	b = jsonw.String(append(b, `{"cluster":`...), m.Cluster)
	b = jsonw.String(append(b, `,"namespace":`...), m.Namespace)
	b = jsonw.String(append(b, `,"status":`...), m.Status)
	b = optionalInt(b, `,"since":`, m.Since)
	b = optionalInt(b, `,"lastEvent":`, m.LastEvent)
	b = jsonw.String(append(b, `,"resourceVersion":`...), m.ResourceVersion)
	if m.Error != nil {
		b = m.Error.AppendJSON(append(b, `,"error":`...))
	}
	if m.LastError != nil {
		b = m.LastError.AppendJSON(append(b, `,"lastError":`...))
	}
	b = optionalInt(b, `,"lastErrorAt":`, m.LastErrorAt)
	if m.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	return append(b, '}')
}

// optionalInt appends key (`,"name":`) and i unless i is 0 (omitempty).
func optionalInt(b []byte, key string, i int64) []byte {
	if i == 0 {
		return b
	}
	return jsonw.Int(append(b, key...), i)
}

func appendLine(b []byte, l lineJSON) []byte {
	b = jsonw.String(append(b, `{"text":`...), l.Text)
	if l.Time != "" {
		b = jsonw.String(append(b, `,"time":`...), l.Time)
	}
	return append(b, '}')
}
