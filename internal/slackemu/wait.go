package slackemu

import (
	"context"
)

// waitFor re-checks cond each time h signals a change, until it reports
// true or ctx ends.
func waitFor(ctx context.Context, h *hub, cond func() bool) error {
	for {
		ch := h.wait()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitConnected waits until at least n Socket Mode connections receive
// envelopes.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	return waitFor(ctx, s.connHub, func() bool { return s.Connections() >= n })
}

// WaitForMessage waits for a message the app posted (or changed) that
// matches pred, looking at its current state, and returns it. Messages the
// driver posted for users are skipped; see Message.FromApp.
func (s *Server) WaitForMessage(ctx context.Context, pred func(Message) bool) (Message, error) {
	return s.WaitForMessageAfter(ctx, 0, pred)
}

// WaitForMessageAfter is WaitForMessage for messages posted or changed after
// the change-log position seq (see MessageSeq).
func (s *Server) WaitForMessageAfter(ctx context.Context, seq uint64, pred func(Message) bool) (Message, error) {
	var found Message
	next := seq
	err := waitFor(ctx, s.msgHub, func() bool {
		var batch []Message
		s.mu.Lock()
		for ; next < uint64(len(s.msgLog)); next++ {
			rec := s.msgLog[next]
			// a message changed again later is checked at its latest change
			if rec.seq == next+1 && rec.msg.BotID != "" {
				batch = append(batch, rec.msg.clone())
			}
		}
		s.mu.Unlock()
		for _, m := range batch {
			if pred(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found, err
}

// NextMessages waits until the app posted or changed messages after the
// change-log position seq and returns them in their current state, with
// the position to pass next time. It lets a caller follow every change.
func (s *Server) NextMessages(ctx context.Context, seq uint64) ([]Message, uint64, error) {
	var out []Message
	err := waitFor(ctx, s.msgHub, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for ; seq < uint64(len(s.msgLog)); seq++ {
			if rec := s.msgLog[seq]; rec.seq == seq+1 && rec.msg.BotID != "" {
				out = append(out, rec.msg.clone())
			}
		}
		return len(out) > 0
	})
	return out, seq, err
}

// WaitForFile waits for a completed file upload that matches pred.
func (s *Server) WaitForFile(ctx context.Context, pred func(File) bool) (File, error) {
	var found File
	err := waitFor(ctx, s.fileHub, func() bool {
		for _, f := range s.Files() {
			if f.Completed && pred(f) {
				found = f
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitForView waits for a view (opened, pushed, updated or published) that
// matches pred, looking at its current state.
func (s *Server) WaitForView(ctx context.Context, pred func(View) bool) (View, error) {
	var found View
	err := waitFor(ctx, s.viewHub, func() bool {
		for _, v := range s.Views() {
			if pred(v) {
				found = v
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitForCall waits for a Web API call that matches pred.
func (s *Server) WaitForCall(ctx context.Context, pred func(Call) bool) (Call, error) {
	var found Call
	seen := 0
	err := waitFor(ctx, s.callHub, func() bool {
		s.callsMu.Lock()
		batch := s.calls[seen:len(s.calls):len(s.calls)]
		seen = len(s.calls)
		s.callsMu.Unlock()
		for _, c := range batch {
			if pred(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found, err
}
