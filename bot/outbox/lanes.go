package outbox

import (
	"context"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// lanes keep the calls to each key in line and spend the key's budget.
// Paced calls to one key (a channel) go to Slack one at a time, in the
// order they were queued; a call keeps its turn through its retries, so a
// rate-limited message is not overtaken by later ones. Each attempt takes
// one token of the key's rate limit, and no call to a key starts while a
// 429 holds it. Unpaced calls (keyed by method) only honour the hold.
//
// The operations — queue a call and wait for its turn, leave the line,
// hold a key until a time, wait out a hold, take a token — are the ones a
// store shared by replicas could offer (a list per channel with a lease
// on its head, a hold key with a TTL, a token-bucket script in Redis);
// these lanes keep them in memory, for one process.
type lanes struct {
	clock     Clock
	perSecond float64
	burst     int

	mu    sync.Mutex
	byKey map[string]*lane
}

// lane is one key's state; guarded by lanes.mu except for the limiter,
// which is safe on its own.
type lane struct {
	limiter *rate.Limiter
	// heldUntil is set by a 429: no call to the key starts before it.
	heldUntil time.Time
	// line is the queued calls, oldest first; line[0] has the turn.
	line []*ticket
	// joined counts the calls ever queued, so tests can queue in order.
	joined int
}

// ticket is one call's place in a lane's line.
type ticket struct {
	ls   *lanes
	lane *lane
	turn chan struct{} // closed when the call is first in line
	// spent says the call holds a token for its current attempt; guarded
	// by lanes.mu.
	spent bool
}

func newLanes(clock Clock, perSecond float64, burst int) *lanes {
	return &lanes{clock: clock, perSecond: perSecond, burst: burst, byKey: map[string]*lane{}}
}

func (ls *lanes) laneLocked(key string) *lane {
	l, ok := ls.byKey[key]
	if !ok {
		l = &lane{limiter: rate.NewLimiter(rate.Limit(ls.perSecond), ls.burst)}
		ls.byKey[key] = l
	}
	return l
}

// join queues a call to key and waits for its turn, or until ctx ends.
// The caller must leave the line when its call is over.
func (ls *lanes) join(ctx context.Context, key string) (*ticket, error) {
	ls.mu.Lock()
	l := ls.laneLocked(key)
	t := &ticket{ls: ls, lane: l, turn: make(chan struct{})}
	l.line = append(l.line, t)
	l.joined++
	if len(l.line) == 1 {
		close(t.turn)
	}
	ls.mu.Unlock()
	select {
	case <-t.turn:
		return t, nil
	case <-ctx.Done():
		t.leave()
		return nil, ctx.Err()
	}
}

// leave takes the call out of the line and, if it had the turn, gives the
// turn to the next one.
func (t *ticket) leave() {
	t.ls.mu.Lock()
	defer t.ls.mu.Unlock()
	l := t.lane
	i := slices.Index(l.line, t)
	if i < 0 {
		return
	}
	l.line = slices.Delete(l.line, i, i+1)
	if i == 0 && len(l.line) > 0 {
		close(l.line[0].turn)
	}
}

// ready waits, in the call's turn, until no 429 holds the key and one
// token is taken for this attempt. The hold is checked again after the
// wait for the token, since a 429 may have come meanwhile.
func (t *ticket) ready(ctx context.Context) error {
	ls, l := t.ls, t.lane
	ls.mu.Lock()
	t.spent = false
	ls.mu.Unlock()
	for {
		if err := ls.waitHold(ctx, l); err != nil {
			return err
		}
		ls.mu.Lock()
		spent := t.spent
		t.spent = true
		ls.mu.Unlock()
		if spent {
			return nil
		}
		now := ls.clock.Now()
		r := l.limiter.ReserveN(now, 1)
		if err := ls.clock.Sleep(ctx, r.DelayFrom(now)); err != nil {
			r.CancelAt(ls.clock.Now())
			ls.mu.Lock()
			t.spent = false
			ls.mu.Unlock()
			return err
		}
	}
}

// waitKey waits until no 429 holds key, for calls that are not paced.
func (ls *lanes) waitKey(ctx context.Context, key string) error {
	ls.mu.Lock()
	l := ls.laneLocked(key)
	ls.mu.Unlock()
	return ls.waitHold(ctx, l)
}

func (ls *lanes) waitHold(ctx context.Context, l *lane) error {
	for {
		ls.mu.Lock()
		until := l.heldUntil
		ls.mu.Unlock()
		d := until.Sub(ls.clock.Now())
		if d <= 0 {
			return nil
		}
		if err := ls.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// hold keeps every call to key from starting before until.
func (ls *lanes) hold(key string, until time.Time) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l := ls.laneLocked(key); until.After(l.heldUntil) {
		l.heldUntil = until
	}
}

// backlog is how long a call queued to key now would wait before it
// starts: the hold, then a token for it and for every queued call that
// has none yet.
func (ls *lanes) backlog(key string) time.Duration {
	ls.mu.Lock()
	l, ok := ls.byKey[key]
	if !ok {
		ls.mu.Unlock()
		return 0
	}
	need := 1
	for _, t := range l.line {
		if !t.spent {
			need++
		}
	}
	held := l.heldUntil
	ls.mu.Unlock()
	now := ls.clock.Now()
	start := now
	if held.After(now) {
		start = held
	}
	d := start.Sub(now)
	if short := float64(need) - l.limiter.TokensAt(start); short > 0 {
		d += time.Duration(short / ls.perSecond * float64(time.Second))
	}
	return d
}

// joined reports how many calls have been queued for key so far.
func (ls *lanes) joined(key string) int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l, ok := ls.byKey[key]; ok {
		return l.joined
	}
	return 0
}
