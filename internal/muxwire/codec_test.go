package muxwire

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMsgpRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		batch Batch
	}{
		{"request", Batch{{Kind: KindRequest, ID: 1, Cluster: "c", Path: "/api/v1/pods", Query: "watch=1", UserID: "u"}}},
		{"data batch", Batch{
			{Kind: KindData, ID: 7, Data: []byte(`{"type":"ADDED","object":{}}` + "\n")},
			{Kind: KindData, ID: 9, Data: []byte{0, 1, 2, 255}, Binary: true},
		}},
		{"status and error", Batch{{Kind: KindStatus, ID: 3, State: "closed", Err: "EOF"}, {Kind: KindError, ID: 3, Err: "cap"}}},
		{"large payload", Batch{{Kind: KindData, ID: 1, Data: bytes.Repeat([]byte("x"), 70000)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := EncodeMsgp(nil, tc.batch)
			require.NoError(t, err)
			got, err := DecodeMsgp(b, 0)
			require.NoError(t, err)
			assert.Equal(t, tc.batch, got)
		})
	}
}

func TestJSONMatchesHeadlampBytes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		m    Message
		want string
	}{
		{"data", Message{Kind: KindData, Cluster: "c", Path: "/api/v1/namespaces", Query: "watch=1&resourceVersion=0", UserID: "u1", Data: []byte("{\"type\":\"ADDED\"}\n")},
			`{"clusterId":"c","path":"/api/v1/namespaces","query":"watch=1\u0026resourceVersion=0","userId":"u1","data":"{\"type\":\"ADDED\"}\n","type":"DATA"}` + "\n"},
		{"binary data", Message{Kind: KindData, Cluster: "c", Path: "/p", UserID: "u1", Data: []byte{1, 2}, Binary: true},
			`{"clusterId":"c","path":"/p","query":"","userId":"u1","data":"AQI=","binary":true,"type":"DATA"}` + "\n"},
		{"status keeps Headlamp's empty query", Message{Kind: KindStatus, Cluster: "c", Path: "/p", Query: "watch=1", UserID: "u1", State: "connected"},
			`{"clusterId":"c","path":"/p","query":"","userId":"","data":"{\"state\":\"connected\",\"error\":\"\"}","type":"STATUS","kubeliveQuery":"watch=1","kubeliveUserId":"u1"}` + "\n"},
		{"error", Message{Kind: KindError, Cluster: "nosuch", Path: "/p", Query: "watch=1", UserID: "u1", Err: "key not found"},
			`{"clusterId":"nosuch","path":"/p","query":"watch=1","userId":"u1","data":"{\"error\":\"key not found\"}","type":"ERROR"}` + "\n"},
		{"request", Message{Kind: KindRequest, Cluster: "c", Path: "/p", Query: "watch=1", UserID: "u1"},
			`{"clusterId":"c","path":"/p","query":"watch=1","userId":"u1","type":"REQUEST"}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := EncodeJSON(tc.m)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(b))
			got, err := DecodeJSON(b, 0)
			require.NoError(t, err)
			assert.Equal(t, tc.m.Data, got.Data)
			assert.Equal(t, tc.m.Query, got.Query)
		})
	}
}

func TestDecodeErrorsNameLengthsNotContents(t *testing.T) {
	t.Parallel()
	secret := "tok-SECRET"
	for _, tc := range []struct {
		name  string
		frame string
		max   int
		want  error
	}{
		{"not JSON", secret, 0, ErrBadFrame},
		{"no cluster", `{"path":"/p","type":"DATA","data":"` + secret + `"}`, 0, ErrBadFrame},
		{"bad base64", `{"clusterId":"c","path":"/p","type":"DATA","binary":true,"data":"` + secret + `!"}`, 0, ErrBadFrame},
		{"unknown type", `{"clusterId":"c","path":"/p","type":"` + secret + `"}`, 0, ErrUnsupportedType},
		{"status without state", `{"clusterId":"c","path":"/p","type":"STATUS","data":"` + secret + `"}`, 0, ErrBadFrame},
		{"over the cap", `{"clusterId":"c","path":"/p","type":"DATA","data":"` + secret + `"}`, 10, ErrFrameTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodeJSON([]byte(tc.frame), tc.max)
			require.ErrorIs(t, err, tc.want)
			assert.NotContains(t, err.Error(), "SECRET")
			assert.Contains(t, err.Error(), fmt.Sprint(len(tc.frame)))
			_, err = DecodeMsgp([]byte(tc.frame), tc.max)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "SECRET")
		})
	}
	_, err := DecodeMsgp([]byte{0x91, 0x81, 0xa1, 'k', 0x09}, 0)
	assert.ErrorIs(t, err, ErrUnsupportedType)
}

func TestCanonicalQuery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"sorted", "watch=1&labelSelector=a%3Db", "labelSelector=a%3Db&watch=1"},
		{"repeated values keep order", "b=2&a=1&b=1", "a=1&b=2&b=1"},
		{"unescaped selector", "labelSelector=app=x,tier!=db&watch=1", "labelSelector=app%3Dx%2Ctier%21%3Ddb&watch=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := CanonicalQuery(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			again, err := CanonicalQuery(got)
			require.NoError(t, err)
			assert.Equal(t, got, again, "idempotent")
		})
	}
}

func FuzzDecodeJSONFrame(f *testing.F) {
	f.Add([]byte(`{"clusterId":"c","path":"/p","query":"watch=1\u0026a=b","userId":"u","data":"{\"type\":\"ADDED\"}\n","type":"DATA"}` + "\n"))
	f.Add([]byte(`{"clusterId":"c","path":"/p","query":"","userId":"","data":"{\"state\":\"closed\",\"error\":\"\"}","type":"STATUS"}`))
	f.Add([]byte(`{"clusterId":"c","path":"/p","type":"DATA","binary":true,"data":"AAE="}`))
	f.Add([]byte(`{"clusterId":"c","path":"/p","type":"ERROR","data":"plain"}`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := DecodeJSON(frame, 4096)
		if err != nil {
			if !errors.Is(err, ErrBadFrame) && !errors.Is(err, ErrFrameTooLarge) && !errors.Is(err, ErrUnsupportedType) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if len(frame) > 8 && strings.Contains(err.Error(), string(frame)) {
				t.Fatalf("error leaks the frame: %v", err)
			}
			return
		}
		if m.Kind == KindComplete || m.Kind == KindRequest || m.Kind == KindClose {
			return
		}
		b, err := EncodeJSON(m)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		m2, err := DecodeJSON(b, 0)
		if err != nil {
			t.Fatalf("decode re-encoded: %v", err)
		}
		if !bytes.Equal(m.Data, m2.Data) || m.State != m2.State || m.Cluster != m2.Cluster {
			t.Fatalf("round trip changed the message")
		}
	})
}

func FuzzDecodeMsgpFrame(f *testing.F) {
	for _, b := range []Batch{
		{{Kind: KindData, ID: 1, Data: []byte(`{"type":"ADDED"}`)}, {Kind: KindStatus, ID: 2, State: "closed"}},
		{{Kind: KindRequest, ID: 1, Cluster: "c", Path: "/p", Query: "watch=1"}},
		{{Kind: KindError, ID: 5, Err: "x"}},
	} {
		enc, err := EncodeMsgp(nil, b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		b, err := DecodeMsgp(frame, 4096)
		if err != nil {
			if !errors.Is(err, ErrBadFrame) && !errors.Is(err, ErrFrameTooLarge) && !errors.Is(err, ErrUnsupportedType) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		enc, err := EncodeMsgp(nil, b)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		b2, err := DecodeMsgp(enc, 0)
		if err != nil || len(b2) != len(b) {
			t.Fatalf("decode re-encoded: %v", err)
		}
		for i := range b {
			if !bytes.Equal(b[i].Data, b2[i].Data) || b[i].ID != b2[i].ID || b[i].Kind != b2[i].Kind {
				t.Fatalf("round trip changed message %d", i)
			}
		}
	})
}
