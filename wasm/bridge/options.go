//go:build js && wasm

package bridge

import (
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/registry"
)

// keyOf reads {cluster, url, type, protocols} into a registry key.
func keyOf(o safejs.Value) (registry.Key, error) {
	cluster, err := optString(o, "cluster")
	if err != nil {
		return registry.Key{}, err
	}
	url, err := optString(o, "url")
	if err != nil {
		return registry.Key{}, err
	}
	typ, err := optString(o, "type")
	if err != nil {
		return registry.Key{}, err
	}
	if typ != "" && typ != "json" && typ != "binary" {
		return registry.Key{}, fmt.Errorf("type must be 'json' or 'binary', not %q", typ)
	}
	protocols, err := optStrings(o, "protocols")
	if err != nil {
		return registry.Key{}, err
	}
	return registry.NewKey(cluster, url, protocols, typ == "binary")
}

// optString reads a string property; undefined and null read as "".
func optString(o safejs.Value, name string) (string, error) {
	v, err := o.Get(name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	switch v.Type() {
	case safejs.TypeUndefined, safejs.TypeNull:
		return "", nil
	case safejs.TypeString:
		return v.String()
	default:
		return "", fmt.Errorf("%s must be a string", name)
	}
}

// optStrings reads a string or an array of strings.
func optStrings(o safejs.Value, name string) ([]string, error) {
	v, err := o.Get(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	switch v.Type() {
	case safejs.TypeUndefined, safejs.TypeNull:
		return nil, nil
	case safejs.TypeString:
		s, err := v.String()
		return []string{s}, err
	case safejs.TypeObject:
		n, err := v.Length()
		if err != nil {
			return nil, fmt.Errorf("%s must be a string or an array of strings", name)
		}
		out := make([]string, n)
		for i := range out {
			e, err := v.Index(i)
			if err != nil || e.Type() != safejs.TypeString {
				return nil, fmt.Errorf("%s[%d] must be a string", name, i)
			}
			out[i], _ = e.String()
		}
		return out, nil
	default:
		return nil, errors.New(name + " must be a string or an array of strings")
	}
}

// fn reads an optional function property; anything else reads as undefined.
func fn(o safejs.Value, name string) safejs.Value {
	v, err := o.Get(name)
	if err != nil || v.Type() != safejs.TypeFunction {
		return safejs.Undefined()
	}
	return v
}
