package prometheus

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePrometheus plays Prometheus' HTTP API with a fixed status and body,
// recording the Authorization header of the last request.
type fakePrometheus struct {
	*httptest.Server
	mu      sync.Mutex
	auth    string
	timeout string // the timeout parameter of the last request
}

func newFakePrometheus(t *testing.T, status int, body string) *fakePrometheus {
	t.Helper()
	f := &fakePrometheus{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.auth = r.Header.Get("Authorization")
		f.timeout = r.FormValue("timeout")
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakePrometheus) lastAuth() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.auth
}

func (f *fakePrometheus) lastTimeout() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.timeout
}

func newClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

const emptyVector = `{"status":"success","data":{"resultType":"vector","result":[]}}`

func TestCredentialsAreSent(t *testing.T) {
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	dir := t.TempDir()
	tokenFile, pwFile := filepath.Join(dir, "token"), filepath.Join(dir, "pw")
	if err := os.WriteFile(tokenFile, []byte("file-tok\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pwFile, []byte("file-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  func(url string) Config
		want string
	}{
		{"none", func(u string) Config { return Config{URL: u} }, ""},
		{"bearer", func(u string) Config { return Config{URL: u, BearerToken: "tok"} }, "Bearer tok"},
		{"basic", func(u string) Config { return Config{URL: u, BasicAuth: &BasicAuth{Username: "al", Password: "pw"}} }, basic("al", "pw")},
		{"in url", func(u string) Config { return Config{URL: strings.Replace(u, "://", "://bo:pw2@", 1)} }, basic("bo", "pw2")},
		{"bearer from file", func(u string) Config { return Config{URL: u, BearerTokenFile: tokenFile} }, "Bearer file-tok"},
		{"password from file", func(u string) Config {
			return Config{URL: u, BasicAuth: &BasicAuth{Username: "al", PasswordFile: pwFile}}
		}, basic("al", "file-pw")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePrometheus(t, http.StatusOK, emptyVector)
			c := newClient(t, tt.cfg(f.URL))
			if _, _, err := c.Query(context.Background(), "up", time.Time{}); err != nil {
				t.Fatal(err)
			}
			if got := f.lastAuth(); got != tt.want {
				t.Errorf("Authorization = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEvalTimeoutIsOnePrometheusParses(t *testing.T) {
	tests := []struct {
		timeout time.Duration
		want    string
	}{
		{0, "30s"},
		{1500 * time.Millisecond, "1s"},
		{90 * time.Second, "1m30s"},
		{250500 * time.Microsecond, "250ms"},
	}
	for _, tt := range tests {
		t.Run(tt.timeout.String(), func(t *testing.T) {
			f := newFakePrometheus(t, http.StatusOK, emptyVector)
			c := newClient(t, Config{URL: f.URL, Timeout: tt.timeout})
			if _, _, err := c.Query(context.Background(), "up", time.Time{}); err != nil {
				t.Fatal(err)
			}
			if got := f.lastTimeout(); got != tt.want {
				t.Errorf("timeout parameter %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorsNameTheServerButNoSecret(t *testing.T) {
	const secret = "s3cr3t-value"
	closed := closedAddr(t)
	denied := newFakePrometheus(t, http.StatusUnauthorized, "denied")
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"unreachable", Config{URL: "http://alice:" + secret + "@" + closed}, []string{
			"query: prometheus at http://" + closed + " unreachable", "connection refused",
		}},
		{"refused credentials", Config{URL: denied.URL, BearerToken: secret}, []string{
			"query: prometheus at " + denied.URL + ": client_error: client error: 401",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.cfg)
			_, _, err := c.Query(context.Background(), "up", time.Time{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "alice") {
				t.Errorf("error shows credentials: %q", err)
			}
		})
	}
}

func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestTimeoutSaysSo(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newClient(t, Config{URL: srv.URL, Timeout: 50 * time.Millisecond})
	_, _, err := c.Query(context.Background(), "up", time.Time{})
	if err == nil || !strings.Contains(err.Error(), "prometheus at "+srv.URL+" did not answer in time") {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err does not wrap context.DeadlineExceeded: %v", err)
	}
}

func TestQueryConvertsEveryResultType(t *testing.T) {
	at := time.Unix(1700000000, 500_000_000)
	tests := []struct {
		name  string
		body  string
		want  Result
		notes []string
	}{
		{
			"vector keeps Prometheus' order",
			`{"status":"success","data":{"resultType":"vector","result":[
				{"metric":{"__name__":"up","instance":"b"},"value":[1700000000.5,"1"]},
				{"metric":{"__name__":"up","instance":"a"},"value":[1700000000.5,"0"]}]}}`,
			Result{Type: ResultVector, Samples: []Sample{
				{Labels: map[string]string{"__name__": "up", "instance": "b"}, Value: 1, T: at},
				{Labels: map[string]string{"__name__": "up", "instance": "a"}, Value: 0, T: at},
			}},
			nil,
		},
		{
			"scalar is one unlabelled sample",
			`{"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"NaN"]}}`,
			Result{Type: ResultScalar, T: at, Samples: []Sample{{Labels: map[string]string{}, T: at}}},
			nil,
		},
		{
			"string",
			`{"status":"success","data":{"resultType":"string","result":[1700000000.5,"hello"]}}`,
			Result{Type: ResultString, Text: "hello", T: at},
			nil,
		},
		{
			"matrix with warnings and infos",
			`{"status":"success","warnings":["w1"],"infos":["i1"],"data":{"resultType":"matrix","result":[
				{"metric":{"job":"node"},"values":[[1700000000.5,"1.5"],[1700000001.5,"2"]]}]}}`,
			Result{Type: ResultMatrix, Series: []Series{{
				Labels: map[string]string{"job": "node"},
				Points: []Point{{T: at, V: 1.5}, {T: at.Add(time.Second), V: 2}},
			}}},
			[]string{"w1", "i1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePrometheus(t, http.StatusOK, tt.body)
			got, notes, err := newClient(t, Config{URL: f.URL}).Query(context.Background(), "q", at)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want.Type == ResultScalar && len(got.Samples) == 1 && got.Samples[0].Value != got.Samples[0].Value {
				got.Samples[0].Value = 0 // NaN != NaN; compare the rest
			} else if tt.want.Type == ResultScalar {
				t.Fatalf("scalar NaN lost: %+v", got)
			}
			if !equalResults(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if !reflect.DeepEqual(notes, tt.notes) {
				t.Errorf("notes = %v, want %v", notes, tt.notes)
			}
		})
	}
}

// equalResults compares results with time.Time.Equal, as decoding yields
// local times.
func equalResults(a, b Result) bool {
	norm := func(r Result) Result {
		r.T = r.T.UTC()
		for i := range r.Samples {
			r.Samples[i].T = r.Samples[i].T.UTC()
		}
		for i := range r.Series {
			for j := range r.Series[i].Points {
				r.Series[i].Points[j].T = r.Series[i].Points[j].T.UTC()
			}
		}
		return r
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func TestPrometheusErrorsBecomeQueryErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantType string
		wantMsg  string
	}{
		{"parse error", http.StatusBadRequest,
			`{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected identifier \"bar\""}`,
			"bad_data", `1:5: parse error: unexpected identifier "bar"`},
		{"execution error", http.StatusUnprocessableEntity,
			`{"status":"error","errorType":"execution","error":"found duplicate series for the match group"}`,
			"execution", "found duplicate series for the match group"},
		{"server error without JSON", http.StatusBadGateway, `<html>bad gateway</html>`,
			"server_error", "server error: 502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePrometheus(t, tt.status, tt.body)
			_, _, err := newClient(t, Config{URL: f.URL}).Query(context.Background(), "foo bar", time.Time{})
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("err = %v, want a *QueryError", err)
			}
			if qe.Type != tt.wantType || qe.Msg != tt.wantMsg {
				t.Errorf("got %q %q, want %q %q", qe.Type, qe.Msg, tt.wantType, tt.wantMsg)
			}
		})
	}
}

func TestQueryRangeRejectsBadRanges(t *testing.T) {
	c := newClient(t, Config{URL: "http://127.0.0.1:1"})
	now := time.Now()
	tests := []struct {
		name       string
		start, end time.Time
		step       time.Duration
		want       string
	}{
		{"zero step", now.Add(-time.Hour), now, 0, "step must be positive"},
		{"end before start", now, now.Add(-time.Hour), time.Minute, "end is before start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := c.QueryRange(context.Background(), "up", tt.start, tt.end, tt.step)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
