package alertmanager

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// ErrNotFound matches (with errors.Is) an API error about a silence that
// does not exist.
var ErrNotFound = errors.New("not found")

// APIError is a non-2xx answer from Alertmanager.
type APIError struct {
	Method     string
	URL        string // without credentials
	StatusCode int
	// Message is Alertmanager's explanation, trimmed to a readable length.
	Message string

	notFound bool
}

// Error says what was asked and what Alertmanager answered.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s %s: Alertmanager answered %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true for a missing silence.
func (e *APIError) Is(target error) bool { return target == ErrNotFound && e.notFound }

func newAPIError(method string, u *url.URL, resp *http.Response) *APIError {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
	msg := errorMessage(b)
	return &APIError{
		Method:     method,
		URL:        redact(u),
		StatusCode: resp.StatusCode,
		Message:    msg,
		// A 404 that names a path means the URL is wrong (a missing path
		// prefix, say), not that the silence is gone.
		notFound: resp.StatusCode == http.StatusNotFound && !strings.HasPrefix(msg, "path "),
	}
}

// errorMessage extracts the explanation from an error body. Alertmanager
// answers with a JSON string ("silence not found"), or a JSON object with
// a message when a request fails its schema; proxies answer with text.
func errorMessage(b []byte) string {
	var s string
	var obj struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	switch {
	case json.Unmarshal(b, &s) == nil:
	case json.Unmarshal(b, &obj) == nil && (obj.Message != "" || obj.Error != ""):
		s = obj.Message
		if s == "" {
			s = obj.Error
		}
	default:
		s = string(b)
	}
	return trimMessage(s)
}

// trimMessage folds whitespace and cuts s to at most 300 bytes.
func trimMessage(s string) string {
	const maxLen = 300
	s = strings.Join(strings.Fields(s), " ")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= maxLen {
		return s
	}
	cut := maxLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
