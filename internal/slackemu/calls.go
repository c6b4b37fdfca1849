package slackemu

import (
	"encoding/json"
	"net/url"
	"slices"
	"time"
)

// Call is one Web API request as the emulator answered it.
type Call struct {
	Method string
	Params url.Values      // form or query parameters, and JSON fields as strings; token removed
	Body   json.RawMessage // the JSON body of a JSON request, nil for form posts
	Time   time.Time
	Status int    // HTTP status of the answer
	Error  string // Slack error code, "" when ok
	// Problem says what in the blocks was refused, as Slack's
	// response_metadata does ("must be at most 3000 characters
	// [json-pointer:/blocks/0/text/text]"); "" when nothing.
	Problem string
}

func (s *Server) recordCall(c Call) {
	s.callsMu.Lock()
	s.calls = append(s.calls, c)
	s.callsMu.Unlock()
	s.callHub.notify()
}

// Calls returns every Web API call so far, oldest first.
func (s *Server) Calls() []Call {
	s.callsMu.Lock()
	defer s.callsMu.Unlock()
	return slices.Clone(s.calls)
}

// CallsTo returns the Web API calls to one method, oldest first.
func (s *Server) CallsTo(method string) []Call {
	s.callsMu.Lock()
	defer s.callsMu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}
