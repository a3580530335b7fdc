package stream

import "time"

// Resume tracks the position of a followed log so that a resumed stream
// (sinceTime = Last()) delivers no line twice. The server resends every line
// with a timestamp >= sinceTime, and truncates sinceTime to whole seconds on
// its way to the kubelet, so after a resume Resume drops every line before
// the last delivered timestamp and, of the lines at exactly that timestamp,
// as many as were already delivered.
//
// Invariants: atLast >= 1 whenever last is non-zero (atLast counts the
// delivered lines whose timestamp equals last, the greatest delivered
// timestamp); skip <= atLast, and skip > 0 or resuming only between Restart
// and the first line that is new.
type Resume struct {
	last     time.Time
	atLast   int
	skip     int
	resuming bool
}

// Last returns the greatest timestamp delivered, the sinceTime of the next
// attempt; zero if no timestamped line was delivered.
func (r *Resume) Last() time.Time { return r.last }

// Restart marks the start of a new attempt that resumes from Last().
func (r *Resume) Restart() {
	r.resuming = !r.last.IsZero()
	r.skip = r.atLast
}

// Admit reports whether l is new (to deliver) and records it if so. A line
// without a timestamp is always new.
func (r *Resume) Admit(l Line) bool {
	if l.Time.IsZero() {
		return true
	}
	if r.resuming {
		switch {
		case l.Time.Before(r.last):
			return false
		case l.Time.Equal(r.last) && r.skip > 0:
			r.skip--
			return false
		}
		r.resuming, r.skip = false, 0
	}
	switch {
	case l.Time.After(r.last):
		r.last, r.atLast = l.Time, 1
	case l.Time.Equal(r.last):
		r.atLast++
	}
	return true
}

// LogBuffer keeps the newest lines, at most Max, dropping the oldest; a
// counting LogBuffer keeps none and only counts, for a caller that keeps
// the lines itself (the same bound gives the same Append results and the
// same Dropped).
//
// Invariant: the kept lines are buf[start:], len(buf)-start <= max (none
// when counting), and dropped counts every line ever evicted or never kept
// (when counting: every line beyond the newest max).
type LogBuffer struct {
	max      int
	counting bool
	total    int // lines appended, when counting
	buf      []Line
	start    int
	dropped  int
}

// NewLogBuffer returns a buffer of at most limit lines (at least 1).
func NewLogBuffer(limit int) *LogBuffer {
	return &LogBuffer{max: max(1, limit)}
}

// NewLogCounter returns a LogBuffer that keeps no line: Append returns and
// Dropped counts what a NewLogBuffer(limit) would, Lines is always empty.
func NewLogCounter(limit int) *LogBuffer {
	return &LogBuffer{max: max(1, limit), counting: true}
}

// Append adds lines, evicting the oldest beyond the bound, and returns the
// suffix of lines that was kept (all of them unless len(lines) > max).
func (b *LogBuffer) Append(lines []Line) []Line {
	if over := len(lines) - b.max; over > 0 {
		b.dropped += over
		lines = lines[over:]
	}
	if b.counting {
		b.total += len(lines)
		b.dropped += max(0, b.total-b.max)
		b.total = min(b.total, b.max)
		return lines
	}
	b.buf = append(b.buf, lines...)
	if n := len(b.buf) - b.start - b.max; n > 0 {
		b.dropped += n
		b.start += n
	}
	// Compact once the evicted prefix outgrows the kept lines: amortised O(1)
	// per line, and memory stays within 2*max lines.
	if b.start >= b.max {
		kept := copy(b.buf, b.buf[b.start:])
		clear(b.buf[kept:])
		b.buf, b.start = b.buf[:kept], 0
	}
	return lines
}

// Lines returns a copy of the kept lines, oldest first.
func (b *LogBuffer) Lines() []Line { return append([]Line(nil), b.buf[b.start:]...) }

// Len returns the number of kept lines.
func (b *LogBuffer) Len() int { return len(b.buf) - b.start }

// Dropped returns how many lines were dropped to keep the bound.
func (b *LogBuffer) Dropped() int { return b.dropped }
