package slackemu

import (
	"time"
)

// faults are the switchable failures; guarded by Server.mu.
type faults struct {
	rateLimits []*rateLimit
	windows    []*windowLimit
	failures   map[string]int // method -> remaining HTTP 500 answers
}

type rateLimit struct {
	method     string
	channel    string
	retryAfter time.Duration
	remaining  int
}

// SetRateLimit makes the next times calls of method (for channel, or for any
// channel when channel is "") answer HTTP 429 with a Retry-After header of
// retryAfter in whole seconds, rounded up; slack-go turns that into a
// *slack.RateLimitedError. Rules are checked in the order they were set.
func (s *Server) SetRateLimit(method, channel string, retryAfter time.Duration, times int) {
	if times <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.rateLimits = append(s.faults.rateLimits, &rateLimit{
		method: method, channel: channel, retryAfter: retryAfter, remaining: times,
	})
}

// FailNext makes the next times calls of method answer HTTP 500 with an HTML
// body, as Slack does when it is having trouble.
func (s *Server) FailNext(method string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.failures == nil {
		s.faults.failures = make(map[string]int)
	}
	s.faults.failures[method] += times
}

// ClearFailures ends the HTTP 500 answers FailNext set up for method.
func (s *Server) ClearFailures(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults.failures, method)
}

// SetTokenRevoked switches a token (BotToken or AppToken) between revoked,
// where every call with it answers token_revoked, and valid.
func (s *Server) SetTokenRevoked(token string, revoked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if revoked {
		s.revoked[token] = true
	} else {
		delete(s.revoked, token)
	}
}

// takeFaultLocked returns the HTTP status and Retry-After to answer with
// instead of the method's result, or 0.
func (s *Server) takeFaultLocked(method, channel string) (int, time.Duration) {
	if n := s.faults.failures[method]; n > 0 {
		s.faults.failures[method] = n - 1
		return 500, 0
	}
	for i, rl := range s.faults.rateLimits {
		if rl.method != method || (rl.channel != "" && rl.channel != channel) {
			continue
		}
		rl.remaining--
		if rl.remaining <= 0 {
			s.faults.rateLimits = append(s.faults.rateLimits[:i], s.faults.rateLimits[i+1:]...)
		}
		return 429, rl.retryAfter
	}
	if retryAfter, ok := s.takeWindowLimitLocked(method, channel, time.Now()); ok {
		return 429, retryAfter
	}
	return 0, 0
}
