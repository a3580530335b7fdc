package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
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

// startRun runs the server with args and returns its base URL and a stop
// function that cancels it and returns run's error.
func startRun(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out, stdout := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--addr", "127.0.0.1:0", "--static", ""}, args...), stdout, io.Discard)
		stdout.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, out) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("run did not return after cancel")
			return nil
		}
	}
	return "http://" + strings.TrimSpace(strings.TrimPrefix(line, "KUBELIVE_ADDR=")), stop
}

func TestStateDirCarriesTheClusterAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	type meta struct {
		Metadata struct{ Name, Namespace, ResourceVersion string } `json:"metadata"`
	}
	type list struct {
		Metadata struct{ ResourceVersion string } `json:"metadata"`
		Items    []meta                           `json:"items"`
	}
	lists := func(base string) map[string]list {
		out := map[string]list{}
		for _, path := range []string{"api/v1/namespaces", "api/v1/pods", "api/v1/events", "api/v1/configmaps", "apis/apps/v1/deployments"} {
			code, body := getBody(t, base+"/clusters/demo/"+path)
			require.Equal(t, http.StatusOK, code, body)
			var l list
			require.NoError(t, json.Unmarshal([]byte(body), &l))
			out[path] = l
		}
		return out
	}

	base, stop := startRun(t, "--state-dir", dir, "--churn", "300", "--admin")
	// A churn burst still running at shutdown stops before the state is saved.
	resp, err := http.Post(base+"/admin/churn?rate=500&seconds=60", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	first := lists(base)["api/v1/pods"].Metadata.ResourceVersion
	require.Eventually(t, func() bool {
		return lists(base)["api/v1/pods"].Metadata.ResourceVersion != first
	}, 10*time.Second, 20*time.Millisecond, "the cluster churns")
	require.NoError(t, stop())
	saved, err := os.ReadFile(filepath.Join(dir, "demo.json"))
	require.NoError(t, err)
	var snap struct{ ResourceVersion string }
	require.NoError(t, json.Unmarshal(saved, &snap))

	// Without churn the restarted cluster lists exactly what was saved.
	base, stop = startRun(t, "--state-dir", dir, "--churn", "0")
	after := lists(base)
	again := lists(base)
	require.NoError(t, stop())
	assert.Equal(t, after, again, "nothing writes without churn")
	var objects struct {
		Objects map[string][]meta `json:"objects"`
	}
	require.NoError(t, json.Unmarshal(saved, &objects))
	for path, l := range after {
		assert.Equal(t, snap.ResourceVersion, l.Metadata.ResourceVersion, path)
		plural := path[strings.LastIndex(path, "/")+1:]
		assert.ElementsMatch(t, objects.Objects[plural], l.Items, path)
		assert.NotEmpty(t, l.Items, path)
	}
}
