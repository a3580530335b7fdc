package registry

import (
	"fmt"

	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/internal/wire"
)

// ErrBadFrame is wrapped by every decode error.
var ErrBadFrame = fmt.Errorf("malformed frame")

// DecodeDefault is the native decoder: binary keys get each frame's bytes;
// JSON keys get each frame decoded as encoding/json decodes into an any. A bad frame becomes a
// Message with an error naming its length, never its content.
func DecodeDefault(k Key, frames []transport.Frame) []Message {
	out := make([]Message, len(frames))
	for i, f := range frames {
		if k.Binary {
			out[i] = Message{Value: f.Data}
			continue
		}
		n, err := wire.Parse(f.Data)
		var v any
		if err == nil {
			v, err = n.Any()
		}
		if err != nil {
			out[i] = Message{Err: BadFrame(f.Size)}
			continue
		}
		out[i] = Message{Value: v}
	}
	return out
}

// BadFrame is the error for a frame of size bytes that is not valid JSON.
func BadFrame(size int) error {
	return fmt.Errorf("%w: %d bytes are not valid JSON", ErrBadFrame, size)
}
