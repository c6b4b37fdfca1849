package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Envelope is one Socket Mode envelope the emulator sent or queued.
type Envelope struct {
	ID                     string
	FirstID                string // envelope id of the first delivery; redeliveries share it
	Type                   string // slash_commands, events_api or interactive
	RetryAttempt           int
	RetryReason            string
	AcceptsResponsePayload bool
	Payload                json.RawMessage
	Created                time.Time
	SentAt                 time.Time // zero while queued
	ConnID                 int
	Acked                  bool
}

// Ack is one acknowledgement a client sent back.
type Ack struct {
	EnvelopeID   string
	FirstID      string // envelope id of the first delivery of the same payload
	Type         string
	RetryAttempt int
	Payload      json.RawMessage // the ack's payload, nil when there was none
	SentAt       time.Time       // when the envelope was written to the socket
	AckedAt      time.Time
	Latency      time.Duration // AckedAt - SentAt
	ConnID       int
	Unknown      bool // the envelope id was never sent
}

// envRec is an Envelope plus the delivery it belongs to; guarded by sock.mu.
type envRec struct {
	Envelope
	chain *delivery
	frame []byte
}

// delivery is one payload and all its (re)deliveries.
type delivery struct {
	firstID  string
	typ      string
	payload  json.RawMessage
	accepts  bool
	acked    bool
	gaveUp   bool
	timer    *time.Timer
	timerEnv *envRec
	onAck    func(Ack)
}

type wireEnvelope struct {
	EnvelopeID             string          `json:"envelope_id"`
	Type                   string          `json:"type"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	RetryAttempt           int             `json:"retry_attempt"`
	RetryReason            string          `json:"retry_reason"`
	Payload                json.RawMessage `json:"payload"`
}

// acceptsResponse says which envelope types Slack lets an app answer in
// the ack: slash commands and interactions.
func acceptsResponse(typ string) bool {
	return typ == "slash_commands" || typ == "interactive"
}

// send delivers a new payload and returns its envelope id.
func (s *Server) send(typ string, payload json.RawMessage, onAck func(Ack)) (string, error) {
	d := &delivery{typ: typ, payload: payload, accepts: acceptsResponse(typ), onAck: onAck}
	e, err := newEnv(d, 0, "") // marshal outside the lock
	if err != nil {
		return "", err
	}
	d.firstID, e.FirstID = e.ID, e.ID
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return "", ErrClosed
	}
	st.registerLocked(e)
	s.deliverLocked(outFrame{data: e.frame, env: e})
	return e.ID, nil
}

// newEnv builds one delivery attempt of d under a new envelope id.
func newEnv(d *delivery, attempt int, reason string) (*envRec, error) {
	id := newUUID()
	frame, err := json.Marshal(wireEnvelope{
		EnvelopeID: id, Type: d.typ, AcceptsResponsePayload: d.accepts,
		RetryAttempt: attempt, RetryReason: reason, Payload: d.payload,
	})
	if err != nil {
		return nil, fmt.Errorf("marshal %s envelope: %w", d.typ, err)
	}
	return &envRec{
		Envelope: Envelope{
			ID: id, FirstID: d.firstID, Type: d.typ, RetryAttempt: attempt, RetryReason: reason,
			AcceptsResponsePayload: d.accepts, Payload: d.payload, Created: time.Now(),
		},
		chain: d,
		frame: frame,
	}, nil
}

func (st *sockState) registerLocked(e *envRec) {
	st.envs[e.ID] = e
	st.envOrder = append(st.envOrder, e)
}

// markSent stamps an envelope just before it is written and arms its
// redelivery timer; false means it must not be written (acked or closed).
func (s *Server) markSent(e *envRec, c *wsConn) bool {
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed || e.chain.acked {
		return false
	}
	e.SentAt = time.Now()
	e.ConnID = c.id
	d := e.chain
	if s.cfg.redeliveryDelay > 0 {
		st.disarmLocked(d)
		st.wg.Add(1)
		d.timerEnv = e
		d.timer = time.AfterFunc(s.cfg.redeliveryDelay, func() { s.redeliveryDue(e) })
	}
	return true
}

// disarmLocked stops a delivery's redelivery timer if it has not fired.
func (st *sockState) disarmLocked(d *delivery) {
	if d.timer != nil && d.timer.Stop() {
		st.wg.Done()
	}
	d.timer, d.timerEnv = nil, nil
}

// redeliveryDue runs when an envelope was not acked in time: it sends the
// same payload again under a new envelope id, with retry_attempt+1.
func (s *Server) redeliveryDue(e *envRec) {
	st := &s.sock
	defer st.wg.Done()
	st.mu.Lock()
	defer st.mu.Unlock()
	d := e.chain
	if st.closed || d.acked || d.timerEnv != e {
		return
	}
	d.timer, d.timerEnv = nil, nil
	if e.RetryAttempt >= s.cfg.maxRetries {
		d.gaveUp = true
		s.log.Warn("envelope never acked", "envelope", d.firstID, "type", d.typ, "attempts", e.RetryAttempt+1)
		return
	}
	next, err := newEnv(d, e.RetryAttempt+1, "timeout")
	if err != nil {
		return
	}
	st.registerLocked(next)
	s.log.Info("envelope redelivered", "envelope", next.ID, "first", d.firstID, "retry_attempt", next.RetryAttempt)
	s.deliverLocked(outFrame{data: next.frame, env: next})
}

type wireAck struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload"`
}

// handleAck records a frame a client sent; Socket Mode clients only send
// acks.
func (s *Server) handleAck(c *wsConn, data []byte) {
	now := time.Now()
	var wa wireAck
	st := &s.sock
	if json.Unmarshal(data, &wa) != nil || wa.EnvelopeID == "" {
		st.mu.Lock()
		st.badFrames = append(st.badFrames, slices.Clone(data))
		st.mu.Unlock()
		s.log.Warn("socket mode frame is not an ack", "conn", c.id, "bytes", len(data))
		return
	}
	ack := Ack{EnvelopeID: wa.EnvelopeID, Payload: nonNull(wa.Payload), AckedAt: now, ConnID: c.id}
	var (
		hook  func(Ack)
		first string // set when this is the first ack of its delivery
	)
	st.mu.Lock()
	e, ok := st.envs[wa.EnvelopeID]
	if ok {
		ack.FirstID, ack.Type, ack.RetryAttempt, ack.SentAt = e.FirstID, e.Type, e.RetryAttempt, e.SentAt
		if !e.SentAt.IsZero() {
			ack.Latency = now.Sub(e.SentAt)
		}
		e.Acked = true
		if d := e.chain; !d.acked {
			d.acked = true
			st.disarmLocked(d)
			hook, first = d.onAck, d.firstID
		}
	} else {
		ack.Unknown = true
	}
	st.mu.Unlock()
	// The ack's effects (a submitted modal closing) happen before anyone
	// waiting for the ack sees it.
	if hook != nil {
		hook(ack)
	}
	st.mu.Lock()
	if _, seen := st.ackByFirst[first]; first != "" && !seen {
		st.ackByFirst[first] = len(st.acks)
	}
	st.acks = append(st.acks, ack)
	st.mu.Unlock()
	s.ackHub.notify()
}

// Redeliver sends an envelope's payload again under a new envelope id,
// with the next retry_attempt and reason as retry_reason ("timeout",
// "http_error", …), as Slack does when it believes a delivery failed,
// even one that was acked. The redelivery is redelivered in turn if it is
// not acked.
func (s *Server) Redeliver(envelopeID, reason string) (Sent, error) {
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return Sent{}, ErrClosed
	}
	e, ok := st.envs[envelopeID]
	if !ok {
		return Sent{}, fmt.Errorf("redeliver: no envelope %s", envelopeID)
	}
	attempt := 0
	for _, x := range st.envOrder {
		if x.FirstID == e.FirstID {
			attempt = max(attempt, x.RetryAttempt+1)
		}
	}
	d := &delivery{firstID: e.FirstID, typ: e.Type, payload: e.Payload, accepts: e.AcceptsResponsePayload}
	next, err := newEnv(d, attempt, reason)
	if err != nil {
		return Sent{}, err
	}
	st.registerLocked(next)
	s.deliverLocked(outFrame{data: next.frame, env: next})
	return Sent{EnvelopeID: next.ID}, nil
}

// SendEnvelope sends any payload as an envelope of the given type
// ("slash_commands", "events_api", "interactive" or anything else, for
// malformed-input tests). It is queued if no connection is open.
func (s *Server) SendEnvelope(typ string, payload any) (Sent, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return Sent{}, err
	}
	id, err := s.send(typ, raw, nil)
	return Sent{EnvelopeID: id}, err
}

// SendRaw writes a frame exactly as given to the next connection (queued if
// none is open), for malformed-input tests. It is not tracked or
// redelivered.
func (s *Server) SendRaw(frame []byte) error {
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return ErrClosed
	}
	s.deliverLocked(outFrame{data: slices.Clone(frame), raw: true})
	return nil
}

// Envelopes returns every envelope sent or queued, redeliveries included,
// in order.
func (s *Server) Envelopes() []Envelope {
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]Envelope, len(st.envOrder))
	for i, e := range st.envOrder {
		out[i] = e.Envelope
	}
	return out
}

// Acks returns every ack received, in order.
func (s *Server) Acks() []Ack {
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.acks)
}

// BadFrames returns frames clients sent that were not acks.
func (s *Server) BadFrames() [][]byte {
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.badFrames)
}

// firstAck returns the first ack of the delivery envelopeID belongs to.
func (s *Server) firstAck(envelopeID string) (Ack, bool) {
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.envs[envelopeID]
	if !ok {
		return Ack{}, false
	}
	i, ok := st.ackByFirst[e.FirstID]
	if !ok {
		return Ack{}, false
	}
	return st.acks[i], true
}

// WaitForAck waits until the envelope, or any redelivery of its payload,
// is acked and returns that first ack.
func (s *Server) WaitForAck(ctx context.Context, envelopeID string) (Ack, error) {
	for {
		ch := s.ackHub.wait()
		if a, ok := s.firstAck(envelopeID); ok {
			return a, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Ack{}, ctx.Err()
		}
	}
}
