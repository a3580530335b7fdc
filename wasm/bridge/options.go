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

// options returns args[i] if it is an object, else an empty object.
func options(args []safejs.Value, i int) safejs.Value {
	if len(args) > i && args[i].Type() == safejs.TypeObject {
		return args[i]
	}
	o, _ := safejs.ValueOf(map[string]any{})
	return o
}

// optBoolSet reads a boolean property and whether it was set.
func optBoolSet(o safejs.Value, name string) (bool, bool) {
	v, err := o.Get(name)
	if err != nil || v.Type() != safejs.TypeBoolean {
		return false, false
	}
	b, err := v.Bool()
	return b, err == nil
}

func optBool(o safejs.Value, name string) bool {
	b, _ := optBoolSet(o, name)
	return b
}

func optBoolDefault(o safejs.Value, name string, def bool) bool {
	if b, ok := optBoolSet(o, name); ok {
		return b
	}
	return def
}

// optInt reads a numeric property and whether it was set.
func optInt(o safejs.Value, name string) (int, bool) {
	v, err := o.Get(name)
	if err != nil || v.Type() != safejs.TypeNumber {
		return 0, false
	}
	n, err := v.Int()
	return n, err == nil
}
