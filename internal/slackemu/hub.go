package slackemu

import "sync"

// hub wakes waiters when something changed. A waiter takes the channel,
// checks its condition, and waits on the channel only if the condition was
// false; notify closes the channel, so no change can be missed.
type hub struct {
	mu sync.Mutex
	ch chan struct{}
}

func newHub() *hub { return &hub{ch: make(chan struct{})} }

func (h *hub) wait() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ch
}

func (h *hub) notify() {
	h.mu.Lock()
	close(h.ch)
	h.ch = make(chan struct{})
	h.mu.Unlock()
}
