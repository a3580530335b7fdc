package podio

import (
	"errors"
	"strings"
)

// command is one simple command of a shell line.
type command struct {
	args []string
	// redirect is the target of "> file" or ">> file"; "" when none.
	redirect string
	// next is the operator joining this command to the next one: ";", "&&",
	// "||", or "" for the last command.
	next string
	// src is the command's text without the operator, to parse again with
	// expansion at run time ($? must see the previous command's status).
	src string
}

// errSyntax is returned for lines the shell cannot parse.
var errSyntax = errors.New("syntax error")

// parseLine splits a shell line into commands: words with single and double
// quotes, backslash escapes, $NAME / ${NAME} / $? expansion through lookup,
// "#" comments, ";", "&&", "||", and output redirection with ">" or ">>".
// Pipes and other shell syntax are not supported.
func parseLine(line string, lookup func(string) string) ([]command, error) {
	var (
		cmds []command
		cur  command
		word strings.Builder
		// inWord is true once the current word has begun (even if it is "").
		inWord       bool
		wantRedirect bool
		start        int // rune index where cur begins
	)
	rs := []rune(line)
	endWord := func() {
		if !inWord {
			return
		}
		if wantRedirect {
			cur.redirect, wantRedirect = word.String(), false
		} else {
			cur.args = append(cur.args, word.String())
		}
		word.Reset()
		inWord = false
	}
	endCommand := func(op string, end int) error {
		endWord()
		if wantRedirect {
			return errSyntax
		}
		if len(cur.args) == 0 {
			if op == "" && cur.redirect == "" {
				return nil
			}
			return errSyntax
		}
		cur.next, cur.src = op, string(rs[start:end])
		cmds = append(cmds, cur)
		cur = command{}
		return nil
	}
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t':
			endWord()
		case c == '#' && !inWord:
			rs = rs[:i]
		case c == '\\' && i+1 < len(rs):
			i++
			word.WriteRune(rs[i])
			inWord = true
		case c == '\'':
			end := indexRune(rs, i+1, '\'')
			if end < 0 {
				return nil, errSyntax
			}
			word.WriteString(string(rs[i+1 : end]))
			i, inWord = end, true
		case c == '"':
			end := indexRune(rs, i+1, '"')
			if end < 0 {
				return nil, errSyntax
			}
			word.WriteString(expand(string(rs[i+1:end]), lookup))
			i, inWord = end, true
		case c == '$':
			n, val := expandAt(rs[i:], lookup)
			word.WriteString(val)
			i += n - 1
			inWord = true
		case c == ';':
			if err := endCommand(";", i); err != nil {
				return nil, err
			}
			start = i + 1
		case (c == '&' || c == '|') && i+1 < len(rs) && rs[i+1] == c:
			if err := endCommand(string([]rune{c, c}), i); err != nil {
				return nil, err
			}
			i++
			start = i + 1
		case c == '>':
			endWord()
			if i+1 < len(rs) && rs[i+1] == '>' {
				i++
			}
			wantRedirect = true
		case c == '|' || c == '&' || c == '<' || c == '`' || c == '(' || c == ')':
			return nil, errSyntax
		default:
			word.WriteRune(c)
			inWord = true
		}
	}
	if err := endCommand("", len(rs)); err != nil {
		return nil, err
	}
	if n := len(cmds); n > 0 && cmds[n-1].next != ";" && cmds[n-1].next != "" {
		return nil, errSyntax
	}
	return cmds, nil
}

func indexRune(rs []rune, from int, r rune) int {
	for i := from; i < len(rs); i++ {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

// expand replaces every $ expansion in s.
func expand(s string, lookup func(string) string) string {
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		if rs[i] != '$' {
			b.WriteRune(rs[i])
			continue
		}
		n, val := expandAt(rs[i:], lookup)
		b.WriteString(val)
		i += n - 1
	}
	return b.String()
}

// expandAt expands the "$..." at the start of rs and returns how many runes
// it used. A lone "$" stays a "$".
func expandAt(rs []rune, lookup func(string) string) (int, string) {
	if len(rs) < 2 {
		return 1, "$"
	}
	if rs[1] == '?' {
		return 2, lookup("?")
	}
	if rs[1] == '{' {
		end := indexRune(rs, 2, '}')
		if end < 0 {
			return 1, "$"
		}
		return end + 1, lookup(string(rs[2:end]))
	}
	n := 1
	for n < len(rs) && (rs[n] == '_' || rs[n] >= 'A' && rs[n] <= 'Z' || rs[n] >= 'a' && rs[n] <= 'z' || n > 1 && rs[n] >= '0' && rs[n] <= '9') {
		n++
	}
	if n == 1 {
		return 1, "$"
	}
	return n, lookup(string(rs[1:n]))
}
