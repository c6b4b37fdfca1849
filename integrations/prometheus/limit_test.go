package prometheus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// vectorOf is an answer of n series, about 60 bytes each.
func vectorOf(n int) string {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf(`{"metric":{"__name__":"up","instance":"web-%d:9100"},"value":[1700000000,"1"]}`, i)
	}
	return `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(rows, ",") + `]}}`
}

// An answer over max_response_bytes is refused with *TooLargeError, with
// or without a Content-Length; one within it is read as usual.
func TestAnswerOverTheByteCapIsRefused(t *testing.T) {
	big, small := vectorOf(2000), vectorOf(10)
	for _, tc := range []struct {
		name    string
		chunked bool
	}{{"content-length", false}, {"chunked", true}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := small
				if r.FormValue("query") == "big" {
					body = big
				}
				w.Header().Set("Content-Type", "application/json")
				if tc.chunked {
					for i := 0; i < len(body); i += 4096 {
						_, _ = w.Write([]byte(body[i:min(i+4096, len(body))]))
						w.(http.Flusher).Flush()
					}
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(len(body)))
				_, _ = w.Write([]byte(body))
			}))
			t.Cleanup(srv.Close)
			const limit = 64 << 10
			if len(big) <= limit || len(small) > limit {
				t.Fatalf("answers of %d and %d bytes do not straddle %d", len(big), len(small), limit)
			}
			c := newClient(t, Config{URL: srv.URL, MaxResponseBytes: limit})
			_, _, err := c.Query(context.Background(), "big", time.Time{})
			var tl *TooLargeError
			if !errors.As(err, &tl) || tl.Limit != limit || !strings.Contains(err.Error(), "larger than 64 KiB") {
				t.Fatalf("big answer: %v, want a TooLargeError of 64 KiB", err)
			}
			res, _, err := c.Query(context.Background(), "small", time.Time{})
			if err != nil || len(res.Samples) != 10 {
				t.Fatalf("small answer: %d samples, %v", len(res.Samples), err)
			}
			if _, _, err := c.QueryRange(context.Background(), "big", time.Now().Add(-time.Hour), time.Now(), time.Minute); !errors.As(err, &tl) {
				t.Errorf("range query over the cap: %v", err)
			}
		})
	}
}

func TestLimitedBodyReadsExactlyTheLimit(t *testing.T) {
	for _, tc := range []struct {
		body    string
		limit   int64
		tooMuch bool
	}{{"12345", 5, false}, {"123456", 5, true}, {"", 0, false}, {"1", 0, true}} {
		b := &limitedBody{rc: nopCloser{strings.NewReader(tc.body)}, left: tc.limit, limit: tc.limit}
		var got strings.Builder
		buf := make([]byte, 2)
		var err error
		for err == nil {
			var n int
			n, err = b.Read(buf)
			got.Write(buf[:n])
		}
		var tl *TooLargeError
		if errors.As(err, &tl) != tc.tooMuch || int64(got.Len()) > tc.limit {
			t.Errorf("%q with limit %d: read %q, %v", tc.body, tc.limit, got.String(), err)
		}
	}
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }
