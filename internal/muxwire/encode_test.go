package muxwire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// referenceJSON is what gorilla's WriteJSON writes for m: encoding/json with
// HTML escaping, then "\n".
func referenceJSON(t *testing.T, m Message) []byte {
	j := jsonMessage{ClusterID: m.Cluster, Path: m.Path, Query: m.Query, UserID: m.UserID, Type: m.Kind.String()}
	switch m.Kind {
	case KindData:
		j.Data = string(m.Data)
		if m.Binary {
			j.Data, j.Binary = base64.StdEncoding.EncodeToString(m.Data), true
		}
	case KindError:
		b, err := json.Marshal(jsonErrorData{Error: m.Err})
		require.NoError(t, err)
		j.Data = string(b)
	case KindStatus:
		b, err := json.Marshal(jsonStatusData{State: m.State, Error: m.Err})
		require.NoError(t, err)
		j.Data, j.Query, j.UserID, j.KubeliveQuery, j.KubeliveUser = string(b), "", "", m.Query, m.UserID
	}
	var buf bytes.Buffer
	require.NoError(t, json.NewEncoder(&buf).Encode(j))
	return buf.Bytes()
}

func FuzzEncodeJSONMatchesEncodingJSON(f *testing.F) {
	f.Add(uint8(KindData), "c", "/api/v1/pods", "watch=1&a=<b>", "u-1", []byte("{\"type\":\"ADDED\",\"x\":\"\\u2028 \xff \t\b\f\x01 é 😀\"}\n"), false, "")
	f.Add(uint8(KindData), "c", "/p", "", "", []byte{0, 1, 2, 0xff}, true, "")
	f.Add(uint8(KindStatus), "c", "/p", "q=1", "u", []byte(nil), false, "closed")
	f.Add(uint8(KindError), "c\u2029", "/p", "q", "u", []byte(nil), false, "bad <handshake> & \"more\"")
	f.Fuzz(func(t *testing.T, kind uint8, cluster, path, query, user string, data []byte, binary bool, text string) {
		k := Kind(kind%6 + 1)
		m := Message{Kind: k, Cluster: cluster, Path: path, Query: query, UserID: user, Data: data, Binary: binary, State: State(text), Err: text}
		got, err := EncodeJSON(m)
		require.NoError(t, err)
		require.Equal(t, string(referenceJSON(t, m)), string(got))
	})
}
