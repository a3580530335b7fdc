package stream

import "time"

// parseRFC3339 reads s as time.Parse(time.RFC3339Nano, s) does, without
// time.Parse, whose layout interpreter is 13 KB of the wasm module
// gzipped: YYYY-MM-DDTHH:MM:SS (the hour may have one digit), an optional fraction after '.' or ','
// (digits beyond the ninth ignored), then Z or ±HH:MM. Fields out of range
// (month 13, February 30, hour 24, second 60; an offset past +24:60) fail. An offset that the
// local zone has at that instant gives a time in time.Local, another a
// time in an unnamed fixed zone, as time.Parse does.
func parseRFC3339(s []byte) (time.Time, bool) {
	ok := true
	num := func(b []byte, lo, hi int) int {
		x := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				ok = false
				return lo
			}
			x = x*10 + int(c-'0')
		}
		if x < lo || x > hi {
			ok = false
			return lo
		}
		return x
	}
	if len(s) < len("2006-01-02T5:04:05") {
		return time.Time{}, false
	}
	if s[12] == ':' { // a one-digit hour, which time.Parse's "15" takes too
		s = append([]byte{s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], '0'}, s[11:]...)
	}
	if len(s) < len("2006-01-02T15:04:05") {
		return time.Time{}, false
	}
	year := num(s[0:4], 0, 9999)
	month := num(s[5:7], 1, 12)
	day := num(s[8:10], 1, daysIn(time.Month(month), year))
	hour := num(s[11:13], 0, 23)
	minute := num(s[14:16], 0, 59)
	sec := num(s[17:19], 0, 59)
	if !ok || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	s = s[19:]
	nsec := 0
	if len(s) >= 2 && (s[0] == '.' || s[0] == ',') && isDigit(s[1]) {
		n := 1
		for ; n < len(s) && isDigit(s[n]); n++ {
			if n <= 9 {
				nsec = nsec*10 + int(s[n]-'0')
			}
		}
		for d := min(n-1, 9); d < 9; d++ {
			nsec *= 10
		}
		s = s[n:]
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if len(s) == 1 && s[0] == 'Z' {
		return t, true
	}
	if len(s) != len("-07:00") || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return time.Time{}, false
	}
	offset := (num(s[1:3], 0, 24)*60 + num(s[4:6], 0, 60)) * 60 // time.Parse's bounds
	if !ok {
		return time.Time{}, false
	}
	if s[0] == '-' {
		offset = -offset
	}
	t = t.Add(-time.Duration(offset) * time.Second)
	if _, local := t.In(time.Local).Zone(); local == offset {
		return t.In(time.Local), true
	}
	return t.In(time.FixedZone("", offset)), true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// daysIn is the number of days of month m in year y.
func daysIn(m time.Month, y int) int {
	if m == time.February {
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 31 - int(m-1)%7%2
}
