package stream

import "github.com/kubelive/kubelive/internal/wire"

// readStatus reads data as a decode into status does: JSON (an object or
// null) whose members of status's fields have their types (strings, an
// integer code, details an object whose causes are objects of strings);
// the error names the member of the wrong type.
func readStatus(data []byte) (st status, err error) {
	n, err := wire.Parse(data)
	if err == nil {
		err = n.CheckKind("the status", wire.Object, "an object")
	}
	for _, f := range []struct {
		name string
		into *string
	}{{"status", &st.Status}, {"message", &st.Message}, {"reason", &st.Reason}} {
		if err == nil {
			*f.into, err = n.Field(f.name).Text(f.name)
		}
	}
	if err == nil {
		st.Code, err = n.Field("code").Int("code")
	}
	if err != nil {
		return status{}, err
	}
	d := n.Field("details")
	if d.Missing() {
		return st, nil
	}
	causes := d.Field("causes")
	if err := d.CheckKind("details", wire.Object, "an object"); err != nil {
		return status{}, err
	}
	if err := causes.CheckKind("details.causes", wire.Array, "an array"); err != nil {
		return status{}, err
	}
	st.Details = &statusDetails{}
	if causes.Kind == wire.Array {
		st.Details.Causes = make([]statusCause, len(causes.Elems))
	}
	for i, c := range causes.Elems {
		err := c.CheckKind("details.causes[]", wire.Object, "an object")
		if err == nil {
			st.Details.Causes[i].Reason, err = c.Field("reason").Text("details.causes[].reason")
		}
		if err == nil {
			st.Details.Causes[i].Message, err = c.Field("message").Text("details.causes[].message")
		}
		if err != nil {
			return status{}, err
		}
	}
	return st, nil
}
