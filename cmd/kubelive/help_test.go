package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestExitCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		stderr   string // a substring of what the process writes to stderr
		notInErr string
	}{
		{name: "--help prints the flags and succeeds", args: []string{"--help"}, code: 0, stderr: "-allow-origin", notInErr: "help requested"},
		{name: "-h likewise", args: []string{"-h"}, code: 0, stderr: "-addr", notInErr: "help requested"},
		{name: "an unknown flag fails", args: []string{"--no-such-flag"}, code: 1, stderr: "kubelive: flags: flag provided but not defined: -no-such-flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := exitCode(run(t.Context(), tc.args, &stdout, &stderr), &stderr)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr.String(), tc.stderr)
			if tc.notInErr != "" {
				assert.NotContains(t, stderr.String(), tc.notInErr)
			}
			assert.Empty(t, stdout.String(), "nothing listens, so no KUBELIVE_ADDR line")
		})
	}
}
