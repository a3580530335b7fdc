package reflector_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/wire"
)

const managedPod = `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"%s","namespace":"shop","uid":"%s","resourceVersion":"%s","managedFields":[{"manager":"kubectl","operation":"Apply"}]},"spec":{}}`

// A Reflector's objects, listed and watched, lose metadata.managedFields unless
// Config.Wire keeps them.
func TestManagedFieldsCutUnlessKept(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{false, true} {
		h := start(t, func(c *reflector.Config) { c.Wire = wire.Options{KeepManagedFields: keep} })
		lc := h.lw.NextList(t)
		lc.Reply([]byte(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"r1"},"items":[` +
			fmt.Sprintf(managedPod, "a", "ua", "1") + `]}`))
		listed := h.store.Next(t)
		require.Equal(t, "replace", listed.Op)
		w, _ := h.watching("r1")
		w.Push([]byte(`{"type":"ADDED","object":` + fmt.Sprintf(managedPod, "b", "ub", "2") + "}\n"))
		added := h.store.Next(t)
		require.Equal(t, "upsert", added.Op)
		for _, it := range append(listed.Items, added.Items...) {
			assert.Equal(t, keep, strings.Contains(string(it.Raw), "managedFields"), "keep=%v: %s", keep, it.Raw)
			assert.True(t, strings.Contains(string(it.Raw), `"spec":{}`), "the rest of the object stays: %s", it.Raw)
		}
	}
}
