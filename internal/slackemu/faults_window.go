package slackemu

import "time"

// windowLimit answers 429 to the first calls of every window, the way
// Slack behaves once a channel's budget for the window is spent.
type windowLimit struct {
	method     string
	channel    string
	window     time.Duration
	first      int
	retryAfter time.Duration
	start      time.Time // of the current window
	used       int       // calls seen in the current window
}

// SetRateLimitWindows makes the first calls of method (for channel, or for
// any channel when channel is "") in every window answer HTTP 429 with a
// Retry-After of retryAfter (whole seconds, rounded up), for the rest of
// the server's life. Windows follow each other from now on. Rules set with
// SetRateLimit are checked first.
func (s *Server) SetRateLimitWindows(method, channel string, window time.Duration, first int, retryAfter time.Duration) {
	if window <= 0 || first <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.windows = append(s.faults.windows, &windowLimit{
		method: method, channel: channel, window: window, first: first, retryAfter: retryAfter, start: time.Now(),
	})
}

// takeWindowLimitLocked reports whether a call of method to channel at now
// is one of the first of its window, and the Retry-After to answer with.
func (s *Server) takeWindowLimitLocked(method, channel string, now time.Time) (time.Duration, bool) {
	for _, w := range s.faults.windows {
		if w.method != method || (w.channel != "" && w.channel != channel) {
			continue
		}
		if elapsed := now.Sub(w.start); elapsed >= w.window {
			w.start = w.start.Add(elapsed / w.window * w.window)
			w.used = 0
		}
		w.used++
		if w.used <= w.first {
			return w.retryAfter, true
		}
	}
	return 0, false
}
