// Package alertmanager talks to Prometheus Alertmanager: it decodes the
// notifications Alertmanager's webhook receiver posts (Decode), parses the
// label matchers operators type (ParseMatchers), and calls the v2 HTTP API
// for silences, alerts and status (Client). It knows nothing of chat.
package alertmanager

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// DefaultTimeout bounds each API call when New is not given an HTTP client.
const DefaultTimeout = 30 * time.Second

// Limits on what the client reads from Alertmanager.
const (
	maxResponseBytes = 64 << 20 // a successful answer
	maxErrorBytes    = 4 << 10  // an error answer, of which a trimmed part is shown
)

// Client calls one Alertmanager's v2 API. It is safe for concurrent use.
type Client struct {
	base    *url.URL // without user info
	hc      *http.Client
	authHdr string // the Authorization header value, or ""
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests through hc, e.g. one
// with a custom transport, TLS settings or timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.hc = hc }
}

// WithBasicAuth sends HTTP basic credentials, as a proxy in front of
// Alertmanager may require. Credentials in the base URL do the same.
func WithBasicAuth(username, password string) Option {
	return func(c *Client) {
		c.authHdr = "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
	}
}

// WithBearerToken sends "Authorization: Bearer <token>".
func WithBearerToken(token string) Option {
	return func(c *Client) { c.authHdr = "Bearer " + token }
}

// New returns a client for the Alertmanager at baseURL, such as
// http://alertmanager:9093 or https://ops.example.com/alertmanager when it
// runs under a path prefix. User info in the URL becomes basic auth and is
// never shown in errors.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, credentials and all
		}
		return nil, fmt.Errorf("alertmanager base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("alertmanager base URL %s: scheme must be http or https", redact(u))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("alertmanager base URL %s: no host", redact(u))
	}
	c := &Client{hc: &http.Client{Timeout: DefaultTimeout}}
	if u.User != nil {
		pw, _ := u.User.Password()
		WithBasicAuth(u.User.Username(), pw)(c)
		u.User = nil
	}
	u.RawQuery, u.Fragment = "", ""
	c.base = u
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// URL returns the base URL without credentials.
func (c *Client) URL() string { return c.base.String() }

// do sends one request and decodes a 2xx JSON answer into out (unless out
// is nil). Errors name the method and URL, never credentials.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	u := c.base.JoinPath(path)
	u.RawQuery = query.Encode()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.authHdr != "" {
		req.Header.Set("Authorization", c.authHdr)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%s %s: Alertmanager did not answer: %w", method, u, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBytes))
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newAPIError(method, u, resp)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBytes)).Decode(out); err != nil {
		return fmt.Errorf("decode the answer to %s %s: %w", method, u, err)
	}
	return nil
}

// redact returns u as text without user info.
func redact(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	v := *u
	v.User = nil
	return v.String()
}
