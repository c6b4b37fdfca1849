// Package prometheus asks a Prometheus server questions over its HTTP API
// (through client_golang's api/prometheus/v1) and answers with plain types of
// its own, so callers need not import client_golang: instant and range
// queries, scrape targets and alerts. It also formats values and series
// names for chat.
package prometheus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// Client talks to one Prometheus server. It is safe for concurrent use.
type Client struct {
	api       v1.API
	raw       api.Client // for what v1.API cannot decode
	transport *http.Transport
	url       string        // redacted: safe to show
	timeout   time.Duration // bounds each call
}

// New checks cfg and returns a client for the server it names. It does not
// contact the server.
func New(cfg Config) (*Client, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("prometheus config: %w", errors.Join(errs...))
	}
	u, _ := url.Parse(cfg.URL) // Validate parsed it.
	bearer, err := readSecret(cfg.BearerToken, cfg.BearerTokenFile)
	if err != nil {
		return nil, fmt.Errorf("prometheus config: bearer_token_file: %w", err)
	}
	var basic *BasicAuth
	if cfg.BasicAuth != nil {
		pw, err := readSecret(cfg.BasicAuth.Password, cfg.BasicAuth.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("prometheus config: basic_auth.password_file: %w", err)
		}
		basic = &BasicAuth{Username: cfg.BasicAuth.Username, Password: pw}
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		basic = &BasicAuth{Username: u.User.Username(), Password: pw}
		u.User = nil
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	limit := cfg.MaxResponseBytes
	if limit == 0 {
		limit = DefaultMaxResponseBytes
	}
	var rt http.RoundTripper = &limitRoundTripper{next: transport, limit: limit}
	if bearer != "" || basic != nil {
		rt = &authRoundTripper{next: rt, bearer: bearer, basic: basic}
	}
	c, err := api.NewClient(api.Config{Address: u.String(), RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %s: %w", redactedURL(cfg.URL), err)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	return &Client{api: v1.NewAPI(c), raw: c, transport: transport, url: redactedURL(cfg.URL), timeout: timeout}, nil
}

// URL is the server's address without credentials, for messages.
func (c *Client) URL() string { return c.url }

// Close releases idle connections to the server.
func (c *Client) Close() error {
	c.transport.CloseIdleConnections()
	return nil
}

// authRoundTripper adds credentials to every request.
type authRoundTripper struct {
	next   http.RoundTripper
	bearer string
	basic  *BasicAuth
}

// RoundTrip implements http.RoundTripper.
func (a *authRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if a.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+a.bearer)
	} else {
		req.SetBasicAuth(a.basic.Username, a.basic.Password)
	}
	return a.next.RoundTrip(req)
}

// withTimeout bounds one call by the configured timeout.
func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// QueryError is Prometheus refusing or failing a request, with its own
// words: Msg is fit to show to the person who typed the query, for example
// `invalid parameter "query": 1:5: parse error: unexpected identifier "bar"`.
type QueryError struct {
	// Type is Prometheus' error type: bad_data, execution, timeout,
	// canceled, server_error, client_error or bad_response.
	Type string
	// Msg is Prometheus' error message.
	Msg string
}

// Error gives the type and message, as in "bad_data: 1:5: parse error: ...".
func (e *QueryError) Error() string {
	if e.Type == "" {
		return e.Msg
	}
	return e.Type + ": " + e.Msg
}

// wrapErr turns what client_golang returned for op into an error that says
// plainly what failed and where, without credentials.
func (c *Client) wrapErr(ctx context.Context, op string, err error) error {
	var tooLarge *TooLargeError
	if errors.As(err, &tooLarge) {
		return fmt.Errorf("%s: prometheus at %s: %w", op, c.url, tooLarge)
	}
	var apiErr *v1.Error
	if errors.As(err, &apiErr) {
		qe := &QueryError{Type: string(apiErr.Type), Msg: apiErr.Msg}
		switch apiErr.Type {
		case v1.ErrBadData:
			qe.Msg = stripInvalidParam(qe.Msg)
		case v1.ErrClient, v1.ErrServer, v1.ErrBadResponse:
			// Not Prometheus judging the query: say which server answered.
			return fmt.Errorf("%s: prometheus at %s: %w", op, c.url, qe)
		}
		return fmt.Errorf("%s: %w", op, qe)
	}
	// *url.Error repeats the request URL, query string and all; keep only
	// the cause and name the server ourselves.
	var uErr *url.Error
	if errors.As(err, &uErr) {
		err = uErr.Err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s: prometheus at %s did not answer in time: %w", op, c.url, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: prometheus at %s unreachable: %w", op, c.url, err)
}

// stripInvalidParam removes the `invalid parameter "query": ` prefix, which
// tells a chat user nothing. The rest is Prometheus' own message.
func stripInvalidParam(msg string) string {
	return strings.TrimPrefix(msg, `invalid parameter "query": `)
}
