// Package sha256lite is SHA-256 (FIPS 180-4) in plain Go, for the wasm
// module: crypto/sha256 links Go's FIPS 140 module (its DRBG, AES, SHA-3,
// HMAC), about 45 KB of the module gzipped, and a browser's own
// digest (crypto.subtle.digest) answers only asynchronously, where the
// persisted cache's keys are computed synchronously. Its tests check it
// against crypto/sha256 on the same inputs.
package sha256lite

import "encoding/binary"

// Size is the length of a digest in bytes.
const Size = 32

// Digest is a running SHA-256 hash. Invariant: buf[:n] holds the bytes
// written since the last full block; total counts every byte written.
type Digest struct {
	h     [8]uint32
	buf   [64]byte
	n     int
	total uint64
}

// New returns a Digest of no input.
func New() *Digest {
	return &Digest{h: [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}}
}

// Write adds p to the hash; it never fails.
func (d *Digest) Write(p []byte) (int, error) {
	n := len(p)
	d.total += uint64(n)
	if d.n > 0 {
		c := copy(d.buf[d.n:], p)
		d.n += c
		p = p[c:]
		if d.n < len(d.buf) {
			return n, nil
		}
		d.block(d.buf[:])
		d.n = 0
	}
	for len(p) >= 64 {
		d.block(p[:64])
		p = p[64:]
	}
	d.n = copy(d.buf[:], p)
	return n, nil
}

// Sum appends the digest of what was written to b, leaving d as it was.
func (d *Digest) Sum(b []byte) []byte {
	c := *d
	var pad [72]byte
	pad[0] = 0x80
	k := 55 - int(c.total%64) // zeros so that the length ends a block
	if k < 0 {
		k += 64
	}
	binary.BigEndian.PutUint64(pad[1+k:], c.total*8)
	_, _ = c.Write(pad[:1+k+8])
	for _, v := range c.h {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

// Sum256 returns the SHA-256 digest of p.
func Sum256(p []byte) [Size]byte {
	d := New()
	_, _ = d.Write(p)
	var out [Size]byte
	d.Sum(out[:0])
	return out
}

// k holds the round constants (read-only).
var k = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// block mixes one 64-byte block into d.h.
func (d *Digest) block(p []byte) {
	var w [64]uint32
	for i := 0; i < 16; i++ {
		w[i] = binary.BigEndian.Uint32(p[4*i:])
	}
	for i := 16; i < 64; i++ {
		s0 := rotr(w[i-15], 7) ^ rotr(w[i-15], 18) ^ w[i-15]>>3
		s1 := rotr(w[i-2], 17) ^ rotr(w[i-2], 19) ^ w[i-2]>>10
		w[i] = w[i-16] + s0 + w[i-7] + s1
	}
	a, b, c, dd, e, f, g, h := d.h[0], d.h[1], d.h[2], d.h[3], d.h[4], d.h[5], d.h[6], d.h[7]
	for i := 0; i < 64; i++ {
		t1 := h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + (e&f ^ ^e&g) + k[i] + w[i]
		t2 := (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + (a&b ^ a&c ^ b&c)
		h, g, f, e, dd, c, b, a = g, f, e, dd+t1, c, b, a, t1+t2
	}
	d.h[0] += a
	d.h[1] += b
	d.h[2] += c
	d.h[3] += dd
	d.h[4] += e
	d.h[5] += f
	d.h[6] += g
	d.h[7] += h
}

func rotr(x uint32, n uint) uint32 { return x>>n | x<<(32-n) }
