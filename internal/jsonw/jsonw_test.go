package jsonw

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestAppendersMatchMarshal(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", `q"b\`, "<a&b>", "\x00\x1f\b\f\n\r\t", "é😀", "\u2028\u2029", "\xff\xfe bad", "\xed\xa0\x80"} {
		assert.Equal(t, marshal(t, s), string(String(nil, s)), "%q", s)
		assert.Equal(t, marshal(t, s), string(String(nil, []byte(s))), "%q as bytes", s)
	}
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1.5, 1e-6, 9.99e-7, 1e20, 1e21, 123456789.125, 1e-7, 5e-324, math.MaxFloat64, 0.1} {
		assert.Equal(t, marshal(t, f), string(Float(nil, f)), "%v", f)
	}
	assert.Equal(t, "null", string(Float(nil, math.NaN())), "no JSON number: null")
	assert.Equal(t, "null", string(Float(nil, math.Inf(1))))
	assert.Equal(t, marshal(t, int64(math.MinInt64)), string(Int(nil, int64(math.MinInt64))))
	assert.Equal(t, marshal(t, uint64(math.MaxUint64)), string(Uint(nil, math.MaxUint64)))
	assert.Equal(t, "true", string(Bool(nil, true)))
	assert.Equal(t, "null", string(Strings(nil, nil)))
	assert.Equal(t, marshal(t, []string{}), string(Strings(nil, []string{})))
	assert.Equal(t, marshal(t, []string{"a", "<"}), string(Strings(nil, []string{"a", "<"})))
	ints := map[string]int{"b": 2, "a": 1, "<": 0, "": -1}
	assert.Equal(t, marshal(t, ints), string(Map(nil, ints, Int[int])))
	lists := map[string][]string{"z": nil, "y": {"1"}}
	assert.Equal(t, marshal(t, lists), string(Map(nil, lists, Strings)))
	assert.Equal(t, "null", string(Map[int](nil, nil, Int[int])))
	obj := Key(Key(append([]byte("["), '{'), "a"), "b")
	assert.Equal(t, `[{"a":,"b":`, string(obj), "a comma before every key but the first")
}

func FuzzAppendersMatchMarshal(f *testing.F) {
	f.Add("a<b", "k\x00", 1.5, int64(-3))
	f.Add("\xff", "\u2028", 1e-9, int64(1<<40))
	f.Fuzz(func(t *testing.T, s, k string, x float64, i int64) {
		require.Equal(t, marshal(t, s), string(String(nil, s)))
		require.Equal(t, marshal(t, s), string(String(nil, []byte(s))))
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			require.Equal(t, marshal(t, x), string(Float(nil, x)))
		}
		require.Equal(t, marshal(t, i), string(Int(nil, i)))
		m := map[string]string{s: k, k: s}
		require.Equal(t, marshal(t, m), string(Map(nil, m, String[string])))
	})
}
