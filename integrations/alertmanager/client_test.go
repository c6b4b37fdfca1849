package alertmanager

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorded is one request a fake Alertmanager received.
type recorded struct {
	method, path, auth string
	query              url.Values
	body               string
}

// fakeAM answers every request with status and body, recording it.
type fakeAM struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []recorded
	status int
	body   string
}

func newFakeAM(t *testing.T, status int, body string) *fakeAM {
	t.Helper()
	f := &fakeAM{status: status, body: body}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.URL.Query(), string(b)})
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, f.body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAM) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// testClient returns a client with its own transport, closed at the end.
func testClient(t *testing.T, base string, opts ...Option) *Client {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := New(base, append([]Option{WithHTTPClient(hc)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewRefusesBadURLsWithoutShowingSecrets(t *testing.T) {
	tests := []struct{ url, words string }{
		{"ftp://am:s3cret@host", "scheme must be http or https"},
		{"http://am:s3cret@", "no host"},
		{"http://am:s3cret@host:port/", "invalid port"},
		{"alertmanager:9093", "scheme must be http or https"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := New(tt.url)
			if err == nil || !strings.Contains(err.Error(), tt.words) {
				t.Fatalf("error %v, want one saying %q", err, tt.words)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "am:") {
				t.Errorf("error shows credentials: %v", err)
			}
		})
	}
}

func TestAuthHeaders(t *testing.T) {
	f := newFakeAM(t, http.StatusOK, `[]`)
	hostURL, _ := url.Parse(f.srv.URL)
	tests := []struct {
		name string
		base string
		opts []Option
		want string
	}{
		{"none", f.srv.URL, nil, ""},
		{"bearer", f.srv.URL, []Option{WithBearerToken("t0k")}, "Bearer t0k"},
		{"basic option", f.srv.URL, []Option{WithBasicAuth("am", "pw")}, "Basic YW06cHc="},
		{"basic from URL", "http://am:pw@" + hostURL.Host, nil, "Basic YW06cHc="},
		{"option wins over URL", "http://am:pw@" + hostURL.Host, []Option{WithBearerToken("t0k")}, "Bearer t0k"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testClient(t, tt.base, tt.opts...)
			if strings.Contains(c.URL(), "pw") {
				t.Errorf("URL() shows the password: %s", c.URL())
			}
			if _, err := c.ListSilences(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			if got := f.requests()[i].auth; got != tt.want {
				t.Errorf("Authorization %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAPIErrors(t *testing.T) {
	long := strings.Repeat("word ", 200)
	tests := []struct {
		name     string
		status   int
		body     string
		call     func(*Client) error
		words    string
		notFound bool
	}{
		{
			name: "JSON string", status: 400,
			body: `"silence invalid: invalid label matcher 0: invalid regular expression \"(\""`,
			call: func(c *Client) error {
				_, err := c.CreateSilence(context.Background(), Silence{Matchers: []Matcher{{Name: "a", Value: "("}}, EndsAt: time.Now().Add(time.Hour), CreatedBy: "me"})
				return err
			},
			words: `create silence {a="("}: POST ` + "%URL%" + `/api/v2/silences: Alertmanager answered 400 Bad Request: silence invalid: invalid label matcher 0: invalid regular expression "("`,
		},
		{
			name: "schema error object", status: 422,
			body:  `{"code":601,"message":"silenceID in path must be of type uuid: \"nope\""}`,
			call:  func(c *Client) error { _, err := c.GetSilence(context.Background(), "nope"); return err },
			words: `get silence nope: GET %URL%/api/v2/silence/nope: Alertmanager answered 422 Unprocessable Entity: silenceID in path must be of type uuid: "nope"`,
		},
		{
			name: "unknown silence", status: 404, body: ``,
			call:     func(c *Client) error { _, err := c.GetSilence(context.Background(), "0f2c"); return err },
			words:    "Alertmanager answered 404 Not Found",
			notFound: true,
		},
		{
			name: "expire unknown silence", status: 500, body: `"silence not found"`,
			call:     func(c *Client) error { return c.ExpireSilence(context.Background(), "0f2c") },
			words:    "expire silence 0f2c: DELETE %URL%/api/v2/silence/0f2c: Alertmanager answered 500 Internal Server Error: silence not found",
			notFound: true,
		},
		{
			name: "wrong path is not a missing silence", status: 404, body: `{"code":404,"message":"path /x/api/v2/silence/0f2c was not found"}`,
			call:  func(c *Client) error { _, err := c.GetSilence(context.Background(), "0f2c"); return err },
			words: "path /x/api/v2/silence/0f2c was not found",
		},
		{
			name: "proxy text trimmed", status: 502, body: "<html>\n  " + long + "</html>",
			call:  func(c *Client) error { _, err := c.ListAlerts(context.Background(), AlertFilter{}); return err },
			words: "502 Bad Gateway: <html> word word",
		},
		{
			name: "answer that is not JSON", status: 200, body: `<html>`,
			call:  func(c *Client) error { _, err := c.Status(context.Background()); return err },
			words: "alertmanager status: decode the answer to GET %URL%/api/v2/status: invalid character '<'",
		},
		{
			name: "not ready", status: 503, body: "Alertmanager is not ready.",
			call:  func(c *Client) error { return c.Ready(context.Background()) },
			words: "alertmanager readiness: GET %URL%/-/ready: Alertmanager answered 503 Service Unavailable: Alertmanager is not ready.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAM(t, tt.status, tt.body)
			host := strings.TrimPrefix(f.srv.URL, "http://")
			c := testClient(t, "http://am:pw@"+host, WithBearerToken("t0k3n"))
			err := tt.call(c)
			if err == nil {
				t.Fatal("no error")
			}
			words := strings.ReplaceAll(tt.words, "%URL%", f.srv.URL)
			if !strings.Contains(err.Error(), words) {
				t.Errorf("error\n %s\ndoes not say\n %s", err, words)
			}
			if got := errors.Is(err, ErrNotFound); got != tt.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", got, tt.notFound)
			}
			if len(err.Error()) > 700 {
				t.Errorf("error not trimmed (%d bytes)", len(err.Error()))
			}
			for _, secret := range []string{"pw", "t0k3n", "am:"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows %q: %s", secret, err)
				}
			}
			var apiErr *APIError
			if tt.status != 200 && (!errors.As(err, &apiErr) || apiErr.StatusCode != tt.status) {
				t.Errorf("error is not an *APIError with status %d: %#v", tt.status, err)
			}
		})
	}
}

func TestUnreachableNamesTheURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now

	c := testClient(t, "http://am:s3cret@"+addr+"/prefix", WithBearerToken("t0k3n"))
	_, err = c.ListSilences(context.Background(), nil)
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	want := "list silences: GET http://" + addr + "/prefix/api/v2/silences: Alertmanager did not answer: "
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q, want it to start %q and say connection refused", err, want)
	}
	for _, secret := range []string{"s3cret", "t0k3n", "am:"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows %q: %s", secret, err)
		}
	}
}

func TestContextCancelIsKept(t *testing.T) {
	f := newFakeAM(t, http.StatusOK, `[]`)
	c := testClient(t, f.srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.ListAlerts(ctx, AlertFilter{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v does not wrap context.Canceled", err)
	}
}

func TestCreateSilenceRequest(t *testing.T) {
	f := newFakeAM(t, http.StatusOK, `{"silenceID":"6b5c"}`)
	c := testClient(t, f.srv.URL+"/am/")
	ms, err := ParseMatchers(`alertname="HighCPU",severity=~"crit|warn",env!=dev,job!~"x.*"`)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	id, err := c.CreateSilence(context.Background(), Silence{
		Matchers: ms, StartsAt: start, EndsAt: start.Add(2 * time.Hour), CreatedBy: "alice", Comment: "deploy",
	})
	if err != nil || id != "6b5c" {
		t.Fatalf("CreateSilence = %q, %v", id, err)
	}
	r := f.requests()[0]
	if r.method != http.MethodPost || r.path != "/am/api/v2/silences" {
		t.Errorf("request %s %s", r.method, r.path)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	_ = json.Unmarshal([]byte(`{
		"matchers": [
			{"name":"alertname","value":"HighCPU","isRegex":false,"isEqual":true},
			{"name":"severity","value":"crit|warn","isRegex":true,"isEqual":true},
			{"name":"env","value":"dev","isRegex":false,"isEqual":false},
			{"name":"job","value":"x.*","isRegex":true,"isEqual":false}
		],
		"startsAt":"2030-01-02T03:04:05Z","endsAt":"2030-01-02T05:04:05Z",
		"createdBy":"alice","comment":"deploy"}`), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body\n %v\nwant\n %v", got, want)
	}
}

func TestCreateSilenceChecksBeforeSending(t *testing.T) {
	f := newFakeAM(t, http.StatusOK, `{"silenceID":"x"}`)
	c := testClient(t, f.srv.URL)
	ms, _ := ParseMatchers(`a=b`)
	now := time.Now()
	tests := []struct {
		name  string
		s     Silence
		words string
	}{
		{"no matchers", Silence{EndsAt: now.Add(time.Hour)}, "at least one matcher"},
		{"no end", Silence{Matchers: ms}, "must end after it starts"},
		{"ends before start", Silence{Matchers: ms, StartsAt: now, EndsAt: now.Add(-time.Minute)}, "must end after it starts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateSilence(context.Background(), tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.words) {
				t.Fatalf("error %v, want one saying %q", err, tt.words)
			}
		})
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid silences", n)
	}
}

func TestListQueries(t *testing.T) {
	f := newFakeAM(t, http.StatusOK, `[]`)
	c := testClient(t, f.srv.URL)
	ms, _ := ParseMatchers(`alertname="High CPU",env=~"prod|stage"`)
	filter := []string{`alertname="High CPU"`, `env=~"prod|stage"`}
	ctx := context.Background()
	if _, err := c.ListSilences(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListAlerts(ctx, AlertFilter{Matchers: ms, Receiver: "team-.*", ExcludeSilenced: true, ExcludeInhibited: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListAlerts(ctx, AlertFilter{ExcludeActive: true, ExcludeUnprocessed: true}); err != nil {
		t.Fatal(err)
	}
	want := []recorded{
		{method: "GET", path: "/api/v2/silences", query: url.Values{"filter": filter}},
		{method: "GET", path: "/api/v2/alerts", query: url.Values{"filter": filter, "receiver": {"team-.*"}, "silenced": {"false"}, "inhibited": {"false"}}},
		{method: "GET", path: "/api/v2/alerts", query: url.Values{"active": {"false"}, "unprocessed": {"false"}}},
	}
	if got := f.requests(); !reflect.DeepEqual(got, want) {
		t.Errorf("requests\n %+v\nwant\n %+v", got, want)
	}
}

func TestPostAlertsChecksLabels(t *testing.T) {
	f := newFakeAM(t, http.StatusOK, ``)
	c := testClient(t, f.srv.URL)
	err := c.PostAlerts(context.Background(), []PostableAlert{{Labels: map[string]string{"a": "b"}}, {}})
	if err == nil || !strings.Contains(err.Error(), "alert 2 of 2 has no labels") {
		t.Fatalf("error %v", err)
	}
	if err := c.PostAlerts(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestListSilencesReadsAnswer(t *testing.T) {
	// An answer of Alertmanager 0.25, plus a matcher without isEqual (older
	// servers) and one with a label name newer servers allow.
	f := newFakeAM(t, http.StatusOK, `[{"id":"5bc4a3e5-31c7-4ae7-9f7b-9ded6de5d143","status":{"state":"expired"},
		"updatedAt":"2026-11-24T06:41:14.109Z","comment":"c","createdBy":"me","endsAt":"2026-11-24T06:41:14.109Z",
		"matchers":[{"isEqual":false,"isRegex":false,"name":"a","value":"b"},{"isRegex":true,"name":"sev","value":"crit|warn"},
		{"isEqual":false,"isRegex":true,"name":"team name","value":"db.*"}],"startsAt":"2026-11-24T06:41:08.026Z"}]`)
	c := testClient(t, f.srv.URL)
	ss, err := c.ListSilences(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 {
		t.Fatalf("%d silences", len(ss))
	}
	s := ss[0]
	if s.ID != "5bc4a3e5-31c7-4ae7-9f7b-9ded6de5d143" || s.Status.State != SilenceExpired || s.Comment != "c" || s.CreatedBy != "me" ||
		!s.StartsAt.Equal(time.Date(2026, 11, 24, 6, 41, 8, 26e6, time.UTC)) || !s.EndsAt.Equal(s.UpdatedAt) {
		t.Errorf("silence %+v", s)
	}
	want := []Matcher{
		{Name: "a", Type: MatchNotEqual, Value: "b"},
		{Name: "sev", Type: MatchRegexp, Value: "crit|warn"},
		{Name: "team name", Type: MatchNotRegexp, Value: "db.*"},
	}
	if !equalMatchers(s.Matchers, want) {
		t.Errorf("matchers %v, want %v", Matchers(s.Matchers), Matchers(want))
	}
	if !s.Matchers[1].Matches(map[string]string{"sev": "warn"}) || s.Matchers[2].Matches(map[string]string{"team name": "dba"}) {
		t.Error("converted matchers do not match as they should")
	}
}
