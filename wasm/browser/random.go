//go:build js && wasm

package browser

import (
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"
)

// RandomBytes fills p with cryptographically random bytes from the
// browser's crypto.getRandomValues (at most 65,536 bytes per call, the
// Web Crypto limit), so that the module links no crypto/rand (and the
// FIPS module it brings).
func RandomBytes(p []byte) error {
	if len(p) > 65536 {
		return fmt.Errorf("random bytes: %d asked, at most 65536 at once", len(p))
	}
	c, err := safejs.Global().Get("crypto")
	if err != nil || c.IsUndefined() {
		return errors.New("random bytes: this context has no crypto.getRandomValues")
	}
	u8, err := bytesValue(make([]byte, len(p)))
	if err != nil {
		return fmt.Errorf("random bytes: %w", err)
	}
	if _, err := c.Call("getRandomValues", u8); err != nil {
		return fmt.Errorf("random bytes: crypto.getRandomValues failed: %w", err)
	}
	if _, err := safejs.CopyBytesToGo(p, u8); err != nil {
		return fmt.Errorf("random bytes: %w", err)
	}
	return nil
}
