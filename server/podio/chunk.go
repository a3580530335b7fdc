package podio

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"unicode/utf8"
)

// Chunking says how a log stream's bytes are cut into WebSocket frames (and
// HTTP flushes). Clients must reassemble lines and UTF-8 across any cut.
type Chunking int

const (
	// ChunkStream cuts as the API server's copy loop does: all bytes
	// available at once go out together, in frames of at most maxFrame
	// bytes, cut without regard to lines or characters.
	ChunkStream Chunking = iota
	// ChunkLines sends one line per frame.
	ChunkLines
	// ChunkSplit is adversarial: each line is cut at a random offset, inside
	// its first multi-byte UTF-8 character if it has one, and frames join the
	// tail of one line to the head of the next.
	ChunkSplit
)

// maxFrame is the largest log frame: the API server's stream copy buffer.
const maxFrame = 2048

// parseChunking reads the non-standard "chunking" query parameter.
func parseChunking(s string) (Chunking, error) {
	switch s {
	case "stream":
		return ChunkStream, nil
	case "lines":
		return ChunkLines, nil
	case "split":
		return ChunkSplit, nil
	}
	return 0, fmt.Errorf("chunking %q: want stream, lines or split", s)
}

// chunker cuts batches of rendered lines and hands each piece to sink.
type chunker struct {
	mode Chunking
	rnd  *rand.Rand
	sink func([]byte) error
}

// write sends one batch: lines that became available together.
func (c *chunker) write(lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	if c.mode == ChunkLines {
		for _, l := range lines {
			if err := c.emit([]byte(l)); err != nil {
				return err
			}
		}
		return nil
	}
	var all []byte
	var cuts []int
	for _, l := range lines {
		if c.mode == ChunkSplit {
			cuts = append(cuts, c.splitPoints(l, len(all))...)
		}
		all = append(all, l...)
	}
	slices.Sort(cuts)
	prev := 0
	for _, cut := range slices.Compact(cuts) {
		if cut <= prev || cut >= len(all) {
			continue
		}
		if err := c.emit(all[prev:cut]); err != nil {
			return err
		}
		prev = cut
	}
	return c.emit(all[prev:])
}

// splitPoints returns absolute cut offsets for line l starting at base: one
// inside its first multi-byte character (or at a random offset if it has
// none) and, for longer lines, one more at random.
func (c *chunker) splitPoints(l string, base int) []int {
	if len(l) < 2 {
		return nil
	}
	var cuts []int
	for i, r := range l {
		if n := utf8.RuneLen(r); n > 1 {
			cuts = append(cuts, base+i+1+c.rnd.IntN(n-1))
			break
		}
	}
	if len(cuts) == 0 || len(l) > 16 {
		cuts = append(cuts, base+1+c.rnd.IntN(len(l)-1))
	}
	return cuts
}

// emit sends p in pieces of at most maxFrame bytes.
func (c *chunker) emit(p []byte) error {
	for len(p) > 0 {
		n := min(len(p), maxFrame)
		if err := c.sink(p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}
