package stream

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors of an exec's end.
var (
	// ErrExecFailed wraps a failure Status (or v1 error text) from channel 3
	// that is not a plain non-zero exit code.
	ErrExecFailed = errors.New("exec failed")
	// ErrBadStatus wraps a channel-3 payload that is not a Status.
	ErrBadStatus = errors.New("bad exit status")
	// ErrNoExitStatus wraps the end of a v4/v5 exec socket that closed before
	// its exit Status arrived.
	ErrNoExitStatus = errors.New("exec ended without an exit status")
)

// status is the part of a metav1.Status that carries an exec's result.
type status struct {
	Status  string         `json:"status"`
	Message string         `json:"message"`
	Reason  string         `json:"reason"`
	Code    int            `json:"code"`
	Details *statusDetails `json:"details"`
}

type statusDetails struct {
	Causes []statusCause `json:"causes"`
}

type statusCause struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// ExitCode reads the Status of channel 3. Success is exit code 0; a Failure
// with reason NonZeroExitCode and an ExitCode cause is that code with a nil
// error; any other Status is -1 with an error wrapping ErrExecFailed that
// carries the Status message.
func ExitCode(data []byte) (int, error) {
	st, err := readStatus(data)
	if err != nil {
		return -1, fmt.Errorf("%w: %w", ErrBadStatus, err)
	}
	switch st.Status {
	case "Success":
		return 0, nil
	case "Failure":
	default:
		return -1, fmt.Errorf("%w: status %q", ErrBadStatus, st.Status)
	}
	if st.Reason == "NonZeroExitCode" && st.Details != nil {
		for _, c := range st.Details.Causes {
			if c.Reason != "ExitCode" {
				continue
			}
			code, err := strconv.Atoi(c.Message)
			if err != nil {
				return -1, fmt.Errorf("%w: exit code %q: %w", ErrBadStatus, c.Message, err)
			}
			return code, nil
		}
	}
	msg := st.Message
	if msg == "" {
		msg = st.Reason
	}
	return -1, fmt.Errorf("%w: %s", ErrExecFailed, msg)
}
