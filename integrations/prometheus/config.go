package prometheus

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config says how to reach one Prometheus server.
type Config struct {
	// URL is the server's base URL, like http://prometheus:9090 or
	// https://example.com/prometheus. Credentials in it
	// (https://user:pass@host) are used as BasicAuth and never shown.
	URL string `yaml:"url"`
	// BearerToken is sent as "Authorization: Bearer <token>". Secret.
	BearerToken string `yaml:"bearer_token"`
	// BearerTokenFile names a file holding the bearer token instead, read
	// by New (surrounding white space ignored).
	BearerTokenFile string `yaml:"bearer_token_file"`
	// BasicAuth is sent as HTTP basic authentication. The password is secret.
	BasicAuth *BasicAuth `yaml:"basic_auth"`
	// Timeout bounds each request, and Prometheus' evaluation of each query.
	// Zero means DefaultTimeout.
	Timeout time.Duration `yaml:"timeout"`
	// MaxResponseBytes caps the size of an answer; a larger one fails
	// with *TooLargeError instead of being read. Zero means
	// DefaultMaxResponseBytes (8 MiB).
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
}

// BasicAuth is a user name and password for HTTP basic authentication.
type BasicAuth struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// PasswordFile names a file holding the password instead, read by New.
	PasswordFile string `yaml:"password_file"`
}

// DefaultTimeout bounds requests when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Validate lists every problem in the config, each as "<key>: <problem>".
// No message contains a secret.
func (c Config) Validate() []error {
	var errs []error
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		errs = append(errs, errors.New("url: required, like http://prometheus:9090"))
	case err != nil:
		errs = append(errs, errors.New("url: not a valid URL"))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, fmt.Errorf("url: scheme must be http or https, not %q", u.Scheme))
	case u.Host == "":
		errs = append(errs, errors.New("url: needs a host, like http://prometheus:9090"))
	}
	if err == nil && u.User != nil && c.BasicAuth != nil {
		errs = append(errs, errors.New("basic_auth: credentials are also in url; give them once"))
	}
	if c.BearerToken != "" && c.BearerTokenFile != "" {
		errs = append(errs, errors.New("bearer_token_file: give bearer_token or bearer_token_file, not both"))
	}
	if c.hasBearer() && (c.BasicAuth != nil || (err == nil && u.User != nil)) {
		errs = append(errs, errors.New("bearer_token: cannot be combined with basic auth"))
	}
	if c.BasicAuth != nil && c.BasicAuth.Password != "" && c.BasicAuth.PasswordFile != "" {
		errs = append(errs, errors.New("basic_auth.password_file: give password or password_file, not both"))
	}
	if c.Timeout < 0 {
		errs = append(errs, errors.New("timeout: must not be negative"))
	}
	if c.MaxResponseBytes < 0 {
		errs = append(errs, errors.New("max_response_bytes: must not be negative"))
	}
	return errs
}

// redactedURL is rawURL without credentials, query or fragment: safe for
// errors and logs. It returns "(invalid URL)" when rawURL does not parse.
func redactedURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(invalid URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// String describes the config without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("prometheus %s (auth: %s, timeout: %s)", redactedURL(c.URL), c.authKind(), c.Timeout)
}

// GoString keeps %#v from printing the secrets.
func (c Config) GoString() string { return c.String() }

// LogValue makes slog print the config without its secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", redactedURL(c.URL)),
		slog.String("auth", c.authKind()),
		slog.Duration("timeout", c.Timeout),
	)
}

func (c Config) authKind() string {
	u, err := url.Parse(c.URL)
	switch {
	case c.hasBearer():
		return "bearer"
	case c.BasicAuth != nil || (err == nil && u.User != nil):
		return "basic"
	}
	return "none"
}

func (c Config) hasBearer() bool { return c.BearerToken != "" || c.BearerTokenFile != "" }

// readSecret returns value, or the content of file when it is set, trimmed
// of surrounding white space. The error names the file, never its content.
func readSecret(value, file string) (string, error) {
	if file == "" {
		return value, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read secret: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
