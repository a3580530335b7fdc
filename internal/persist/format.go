// Package persist is the on-disk form of kubelive's warm start: one
// snapshot per (query, list), msgpack-encoded, stored under a key derived
// from the backend, the list and a salted hash of the credentials, so that a
// page loaded with one identity never reads another's data.
//
// Invariants: a token is never stored, neither in a record nor in a key
// (only a salted SHA-256 of it); Secrets, and every resource an app
// excludes, are never encoded; Decode never trusts a record it cannot fully
// check (another format, another key, an object without uid or name): it
// returns an error saying what is wrong, and the caller drops the record.
package persist

// The msgp-generated codec is test code only: the tests check
// format_msgpack.go's against it (msgp's runtime links encoding/json).
//go:generate go run -C ../../tools github.com/tinylib/msgp -file ../internal/persist/format.go -o ../internal/persist/format_msgp_test.go -tests=false

//msgp:limit arrays:1000000 maps:64

// Format is the version of Record's layout; a record of another format is
// ignored (a later release may read older formats on purpose).
const Format = 1

// Record is one persisted list: its objects as the API server sent them
// (managedFields cut as in memory), the resourceVersion to resume from, and
// when it was saved. Key repeats the store key so a record moved to another
// key is never trusted.
type Record struct {
	Format          uint16   `msg:"f"`
	Key             string   `msg:"k"`
	ResourceVersion string   `msg:"rv"`
	SavedAtMs       int64    `msg:"at"`
	Items           []Object `msg:"items"`
}

// Object is one persisted object.
type Object struct {
	UID             string `msg:"u"`
	Namespace       string `msg:"ns"`
	Name            string `msg:"n"`
	ResourceVersion string `msg:"rv"`
	Raw             []byte `msg:"raw"`
}
