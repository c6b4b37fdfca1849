// Package outbox delivers opsbot's messages to Slack: one channel's
// messages in the order they were queued, paced to about one per second
// with a small burst, none starting while a 429's Retry-After holds the
// channel, retrying server and network errors with backoff bounded by the
// context, coalescing successive updates of one message, and turning
// what exceeds Slack's limits into several messages or a file. Nothing is
// dropped silently: a message that finally fails is logged, counted and
// returned as an error the caller can report.
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"opsbot/bot/backoff"
)

// API is the part of slack-go's client the outbox uses.
type API interface {
	PostMessageContext(ctx context.Context, channel string, opts ...slack.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channel, user string, opts ...slack.MsgOption) (string, error)
	UpdateMessageContext(ctx context.Context, channel, ts string, opts ...slack.MsgOption) (string, string, string, error)
	UploadFileContext(ctx context.Context, p slack.UploadFileParameters) (*slack.FileSummary, error)
}

// Options tune pacing and retries; the zero value gives Slack's limits.
type Options struct {
	// PerSecond is the sustained posting rate per channel (default 1).
	PerSecond float64
	// Burst is how many messages may go one right after the other before
	// pacing starts (default 3).
	Burst int
	// Attempts is how many times a call is tried (default 5).
	Attempts int
	// Backoff is the first retry delay, doubled each time (default 250ms).
	Backoff time.Duration
	// Clock tells the time and waits (default: the real one); tests give
	// a fake one to see the waits without spending them.
	Clock Clock
}

// Clock is the outbox's time.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends, returning ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	return backoff.Sleep(ctx, d)
}

// Outbox sends to Slack. It is safe for concurrent use.
type Outbox struct {
	api  API
	opts Options
	log  *slog.Logger
	reqs *prometheus.CounterVec

	lanes *lanes

	mu      sync.Mutex
	pending map[string]*update
	// dms maps a user id posted to as a channel to the DM channel Slack
	// answered with, since chat.update needs the real channel.
	dms map[string]string

	onFailure atomic.Pointer[func(error)]
}

// OnFailure makes the outbox call f with every call that finally failed
// (after logging and counting it); the Slack transport stops opsbot when
// the error is Slack refusing the bot token.
func (o *Outbox) OnFailure(f func(error)) { o.onFailure.Store(&f) }

// New returns an outbox over api, registering its metrics with reg.
func New(api API, opts Options, reg prometheus.Registerer, log *slog.Logger) *Outbox {
	if opts.PerSecond <= 0 {
		opts.PerSecond = 1
	}
	if opts.Burst <= 0 {
		opts.Burst = 3
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 5
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 250 * time.Millisecond
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	o := &Outbox{api: api, opts: opts, log: log, lanes: newLanes(opts.Clock, opts.PerSecond, opts.Burst),
		pending: map[string]*update{}, dms: map[string]string{},
		reqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "opsbot_slack_api_requests_total",
			Help: "Slack Web API calls made by the outbox, by method and result code.",
		}, []string{"method", "code"})}
	reg.MustRegister(o.reqs)
	return o
}

// Backlog reports how long a new message to channel would wait for its
// turn; callers use it to fold storms into digests instead of queueing.
func (o *Outbox) Backlog(channel string) time.Duration { return o.lanes.backlog(channel) }

// unpaced lists the calls that are not paced per channel: Slack limits
// them per method or per response_url, not per channel. They still honour
// a 429's Retry-After.
var unpaced = map[string]bool{"chat.postEphemeral": true, "response_url": true}

// call runs one Web API call with pacing and retries. A paced call waits
// for its turn in the channel's line and keeps it until it is over, so
// the channel's calls reach Slack one at a time and in order.
func (o *Outbox) call(ctx context.Context, method, channel string, f func(context.Context) error) error {
	if unpaced[method] {
		return o.attempt(ctx, method, channel, method, func(ctx context.Context) error { return o.lanes.waitKey(ctx, method) }, f)
	}
	t, err := o.lanes.join(ctx, channel)
	if err != nil {
		return o.fail(method, channel, err)
	}
	defer t.leave()
	return o.attempt(ctx, method, channel, channel, t.ready, f)
}

// attempt tries f until it succeeds, fails for good or runs out of
// attempts, waiting with ready before each try; a 429 holds key.
func (o *Outbox) attempt(ctx context.Context, method, channel, key string, ready, f func(context.Context) error) error {
	delays := backoff.Policy{First: o.opts.Backoff}
	retries := 0
	var err error
	for attempt := 1; attempt <= o.opts.Attempts; attempt++ {
		if werr := ready(ctx); werr != nil {
			return o.fail(method, channel, errors.Join(werr, err))
		}
		err = f(ctx)
		code := resultCode(err)
		o.reqs.WithLabelValues(method, code).Inc()
		if err == nil {
			return nil
		}
		var rl *slack.RateLimitedError
		switch {
		case errors.As(err, &rl):
			o.lanes.hold(key, o.opts.Clock.Now().Add(rl.RetryAfter))
			o.log.Warn("slack rate limited; waiting", "method", method, "channel", channel, "retry_after", rl.RetryAfter)
		case retryable(err):
			retries++
			if serr := o.opts.Clock.Sleep(ctx, delays.Delay(retries)); serr != nil {
				return o.fail(method, channel, err)
			}
		default:
			return o.fail(method, channel, err)
		}
	}
	return o.fail(method, channel, err)
}

func (o *Outbox) fail(method, channel string, err error) error {
	o.log.Error("slack call failed", "method", method, "channel", channel, "err", err)
	e := &Error{Method: method, Channel: channel, Err: err}
	if f := o.onFailure.Load(); f != nil {
		(*f)(e)
	}
	return e
}

func retryable(err error) bool {
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return sc.Code >= 500
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, net.ErrClosed)
}

func resultCode(err error) string {
	if err == nil {
		return "ok"
	}
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var se slack.SlackErrorResponse
	var ne net.Error
	switch {
	case errors.As(err, &rl):
		return "ratelimited"
	case errors.As(err, &sc):
		return "http_" + itoa(sc.Code)
	case errors.As(err, &se):
		return se.Err
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return "network"
	default:
		return "error"
	}
}

func itoa(n int) string {
	if n < 0 || n > 999 {
		return "xxx"
	}
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}
