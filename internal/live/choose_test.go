package live

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/muxwire"
)

func TestChooseTheMultiplexer(t *testing.T) {
	t.Parallel()
	const config = "http://backend.test/config"
	for _, tc := range []struct {
		name    string
		setting string
		config  *answer
		detect  string // "" no detection dial; "ok" or "fail"
		mode    string
		reason  string
		err     string
	}{
		{name: "off", setting: "off", mode: ModePerURL, reason: "multiplexer: 'off'"},
		{name: "on", setting: "on", mode: ModeMux, reason: "multiplexer: 'on'"},
		{name: "json", setting: "json", mode: ModeMux, reason: "multiplexer: 'json'"},
		{name: "unknown setting", setting: "maybe", err: `multiplexer must be 'auto', 'on', 'json' or 'off', not "maybe"`},
		{name: "config says yes", setting: "auto", config: &answer{status: 200, body: `{"multiplexer":true}`}, mode: ModeMux, reason: "/config advertises"},
		{name: "config says no", setting: "", config: &answer{status: 200, body: `{"multiplexer":false}`}, mode: ModePerURL, reason: "/config says it has no multiplexer"},
		{name: "config silent, upgrade works", setting: "auto", config: &answer{status: 200, body: `{}`}, detect: "ok", mode: ModeMux, reason: "/wsMultiplexer upgraded"},
		{name: "no config, upgrade fails", setting: "auto", detect: "fail", mode: ModePerURL, reason: "auto: mux: backend has no multiplexer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeFetcher{answers: map[string]answer{}}
			if tc.config != nil {
				f.answers[config] = *tc.config
			}
			d := conntest.NewDialer()
			d.AbortOnCancel = true // an unwanted detection ends with DetectTimeout
			if tc.detect != "" {
				go func() {
					a := d.Next(waitFor)
					if a == nil {
						return
					}
					if tc.detect == "ok" {
						a.Accept(muxwire.MsgpackProtocol)
					} else {
						a.Fail(errors.New("bad handshake"))
					}
				}()
			}
			c, err := Choose(ChooseOptions{Setting: tc.setting, Dialer: d, Fetch: f, Endpoint: testEndpoint(t), Clock: clock.NewFake()})
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			if c.Client != nil {
				c.Client.Close()
			}
			assert.Equal(t, tc.mode, c.Mode)
			assert.Equal(t, tc.mode == ModeMux, c.Client != nil)
			assert.Contains(t, c.Reason, tc.reason)
			if tc.detect == "" {
				assert.Zero(t, d.Queued(), "no detection dial")
			}
		})
	}
	assert.True(t, Auto(""))
	assert.True(t, Auto("auto"))
	assert.False(t, Auto("on"))
}

// The multiplexer's probe asks the backend's /config, without credentials,
// and counts any answer but a 5xx (a proxy's word that the backend behind it
// is down) or none.
func TestMultiplexerProbeAnswers(t *testing.T) {
	t.Parallel()
	const config = "http://backend.test/config"
	for _, tc := range []struct {
		name string
		a    answer
		want bool
	}{
		{"ok", answer{status: 200, body: "{}"}, true},
		{"not found (Headlamp without /config)", answer{status: 404}, true},
		{"unauthorized", answer{status: 401}, true},
		{"bad gateway", answer{status: 502}, false},
		{"unavailable", answer{status: 503}, false},
		{"no answer", answer{err: errors.New("connection refused")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeFetcher{answers: map[string]answer{config: tc.a}}
			probe := answers(f, testEndpoint(t))
			require.NotNil(t, probe)
			assert.Equal(t, tc.want, probe(context.Background()))
			assert.Equal(t, []string{config}, f.gets)
		})
	}
	assert.Nil(t, answers(nil, testEndpoint(t)), "a probe without a fetcher")
}
