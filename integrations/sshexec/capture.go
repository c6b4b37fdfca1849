package sshexec

import (
	"sync"
	"unicode/utf8"
)

// capture keeps the first limit bytes written to it and counts the rest.
// It never refuses a write, so the remote side is never blocked by a full
// buffer. Safe for concurrent use: a killed session's copier may still be
// writing while Run gives up on it.
type capture struct {
	mu    sync.Mutex
	limit int
	buf   []byte
	total int64
}

func newCapture(limit int) *capture { return &capture{limit: limit} }

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += int64(len(p))
	if room := c.limit - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// result returns the kept output with secrets redacted, cut to max bytes
// (on a UTF-8 boundary), the total byte count, and whether it was cut.
// capture keeps a little more than max so a secret straddling the cut is
// still recognised and redacted.
func (c *capture) result(max int, secrets []string) (string, int64, bool) {
	c.mu.Lock()
	out, total := string(c.buf), c.total
	c.mu.Unlock()
	out = Redact(out, secrets)
	truncated := total > int64(len(c.buf)) || len(out) > max
	if truncated {
		out = cutUTF8(out, max)
	}
	return out, total, truncated
}

// cutUTF8 returns at most n bytes of s without a rune cut in half at the end.
func cutUTF8(s string, n int) string {
	if n < len(s) {
		s = s[:n]
	}
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:]) {
				return s[:i]
			}
			break
		}
	}
	return s
}
