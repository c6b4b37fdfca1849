package prometheus

import (
	"fmt"
	"io"
	"net/http"
)

// DefaultMaxResponseBytes caps an answer's body when
// Config.MaxResponseBytes is zero: far more than any chat reply shows, far
// less than what `{__name__=~".+"}` returns from a large server.
const DefaultMaxResponseBytes = 8 << 20

// TooLargeError says Prometheus answered with more than Limit bytes, so
// the answer was not read: the query should be narrowed.
type TooLargeError struct {
	Limit int64
}

// Error names the limit, as in "answer larger than 8 MiB".
func (e *TooLargeError) Error() string {
	return "answer larger than " + FormatBytes(e.Limit)
}

// FormatBytes writes a byte count as KiB or MiB when it is a whole
// number of them, else in bytes.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitRoundTripper stops reading an answer past limit bytes.
// client_golang's API client reads the whole body into memory before it
// decodes it, so this is where a huge answer is refused.
type limitRoundTripper struct {
	next  http.RoundTripper
	limit int64
}

// RoundTrip implements http.RoundTripper.
func (l *limitRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > l.limit {
		resp.Body.Close()
		return nil, &TooLargeError{Limit: l.limit}
	}
	resp.Body = &limitedBody{rc: resp.Body, left: l.limit, limit: l.limit}
	return resp, nil
}

// limitedBody reads at most limit bytes and fails with *TooLargeError
// when there is more.
type limitedBody struct {
	rc          io.ReadCloser
	left, limit int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, &TooLargeError{Limit: b.limit}
	}
	// Read one byte more than is left, to tell "exactly the limit" from
	// "more than the limit".
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n + int(b.left), &TooLargeError{Limit: b.limit}
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
