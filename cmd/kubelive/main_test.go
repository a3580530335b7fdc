package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestRunServesAndShutsDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out, stdout := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--static", "", "--churn", "200", "--admin", "--bookmark-interval", "100ms"}, stdout, io.Discard)
		stdout.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "KUBELIVE_ADDR=127.0.0.1:"), line)
	base := "http://" + strings.TrimSpace(strings.TrimPrefix(line, "KUBELIVE_ADDR="))
	go func() { _, _ = io.Copy(io.Discard, out) }()

	code, body := getBody(t, base+"/config")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"clusters":[{"name":"demo","source":"embedded"}],"multiplexer":true}`, body)

	code, body = getBody(t, base+"/clusters/demo/api/v1/pods?fieldSelector=status.phase%3DRunning&limit=1")
	require.Equal(t, http.StatusOK, code, body)
	var list struct {
		Items []struct {
			Metadata struct{ Name, Namespace string } `json:"metadata"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	require.NotEmpty(t, list.Items)
	pod := list.Items[0].Metadata
	code, body = getBody(t, base+"/clusters/demo/api/v1/namespaces/"+pod.Namespace+"/pods/"+pod.Name+"/log?tailLines=1")
	assert.Equal(t, http.StatusOK, code, "pod logs are served by podio: %s", body)

	code, _ = getBody(t, base+"/admin/state")
	assert.Equal(t, http.StatusOK, code)

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestRunFlagErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{name: "unknown flag", args: []string{"--bogus"}},
		{name: "bad log level", args: []string{"--log-level", "loud"}},
		{name: "missing kubeconfig", args: []string{"--addr", "127.0.0.1:0", "--kubeconfig", "/nonexistent/kubeconfig"}},
		{name: "bad address", args: []string{"--addr", "256.0.0.1:99999"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := run(t.Context(), append(tt.args, "--static", "", "--churn", "0"), io.Discard, io.Discard)
			assert.Error(t, err)
		})
	}
}
