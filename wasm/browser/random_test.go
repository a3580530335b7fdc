//go:build js && wasm

package browser

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRandomBytes(t *testing.T) {
	t.Parallel()
	a, b := make([]byte, 32), make([]byte, 32)
	require.NoError(t, RandomBytes(a))
	require.NoError(t, RandomBytes(b))
	assert.NotEqual(t, make([]byte, 32), a, "filled")
	assert.False(t, bytes.Equal(a, b), "two calls, two values")
	require.NoError(t, RandomBytes(make([]byte, 65536)), "the Web Crypto limit itself")
	assert.ErrorContains(t, RandomBytes(make([]byte, 65537)), "at most 65536")
}
