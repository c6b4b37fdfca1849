// Package socketmode is opsbot's Slack transport. It keeps one or more
// Socket Mode connections (slack-go), acknowledges every envelope before
// handling it, handles each payload once across redeliveries, connections
// and replicas (a Redis marker), turns slash commands, mentions, DMs,
// clicks and modal submissions into router requests, and delivers the
// replies through the outbox.
package socketmode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/outbox"
)

// Dispatcher answers requests; *bot.Router is one.
type Dispatcher interface {
	Dispatch(ctx context.Context, req *bot.Request) (*bot.Reply, error)
}

// Deduper marks a payload id as handled and reports whether this call was
// the first; *redisstore.Store is one.
type Deduper interface {
	Once(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Transport connects the router to Slack.
type Transport struct {
	cfg    Config
	api    *slack.Client
	router Dispatcher
	out    *outbox.Outbox
	dedupe Deduper
	panics *bot.Panics
	log    *slog.Logger
	http   *http.Client
	home   *Home
	m      *metrics

	botUserID string
	connected atomic.Int32
	lastUp    atomic.Int64 // unix nanos of the last time a connection was up
	inflight  sync.WaitGroup
	fatal     chan error
}

// New returns a transport. api must be built with the app-level token and
// the configured API URL (see NewAPI). panics recovers every envelope's
// goroutine (nil: recovered and logged, not counted).
func New(cfg Config, api *slack.Client, router Dispatcher, out *outbox.Outbox, dedupe Deduper, panics *bot.Panics, reg prometheus.Registerer, log *slog.Logger) *Transport {
	return &Transport{cfg: cfg.WithDefaults(), api: api, router: router, out: out, dedupe: dedupe, panics: panics, log: log,
		http: &http.Client{Timeout: 10 * time.Second}, home: NewHome(), m: newMetrics(reg), fatal: make(chan error, 1)}
}

// NewAPI builds the slack-go client for cfg.
func NewAPI(cfg Config) *slack.Client {
	cfg = cfg.WithDefaults()
	return slack.New(cfg.BotToken, slack.OptionAPIURL(cfg.APIURL), slack.OptionAppLevelToken(cfg.AppToken),
		slack.OptionHTTPClient(&http.Client{Timeout: 30 * time.Second}))
}

// Home is the App Home registry the domains add sections to.
func (t *Transport) Home() *Home { return t.home }

// Ready reports whether a connection is up now or was within the watchdog
// period; it is the Slack half of /readyz.
func (t *Transport) Ready(context.Context) error {
	if t.connected.Load() > 0 {
		return nil
	}
	if last := t.lastUp.Load(); last > 0 && time.Since(time.Unix(0, last)) < t.cfg.Watchdog {
		return nil
	}
	return errors.New("not connected to Slack")
}

// Run connects and serves until ctx ends or Slack refuses the tokens. On
// return, handlers in flight have finished (or been given up on after
// drain).
func (t *Transport) Run(ctx context.Context, drain time.Duration) error {
	auth, err := t.api.AuthTestContext(ctx)
	if err != nil {
		return authError("bot_token", err)
	}
	t.botUserID = auth.UserID
	t.log.Info("connected to Slack web API", "team", auth.Team, "bot_user", auth.UserID)

	// Handlers get their own context, so shutting down stops new work
	// without cutting off what is being answered.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	runCtx, stopRun := context.WithCancel(ctx)
	var conns sync.WaitGroup
	for i := 0; i < t.cfg.Connections; i++ {
		conns.Add(1)
		go func(n int) {
			defer conns.Done()
			t.supervise(runCtx, work, n)
		}(i)
	}
	var result error
	select {
	case <-ctx.Done():
	case result = <-t.fatal:
	}
	stopRun()
	conns.Wait()
	done := make(chan struct{})
	go func() { t.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(drain):
		t.log.Warn("shutdown: handlers still running after drain period; cancelling them", "drain", drain)
		stopWork()
		<-done
	}
	return result
}

// refusals are the Slack error codes that mean a token is not accepted.
var refusals = map[string]bool{"invalid_auth": true, "not_authed": true, "token_revoked": true,
	"account_inactive": true, "token_expired": true}

// refused returns the Slack error code when err is Slack refusing a token.
func refused(err error) (string, bool) {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && refusals[se.Err] {
		return se.Err, true
	}
	return "", false
}

// authError turns a token refusal into a message that says what to fix.
func authError(key string, err error) error {
	code, ok := refused(err)
	if !ok {
		return fmt.Errorf("reach Slack: %w", err)
	}
	return refusedError(key, code)
}

func refusedError(key, code string) error {
	return fmt.Errorf("slack refused slack.%s (%s): check the token in the config, or reinstall the app to get a new one", key, code)
}

// BotTokenRefused stops the transport (and so `opsbot run`) when a Web
// API call with the bot token is refused while running, e.g. after the
// app was uninstalled: every later call would fail the same way. Other
// errors are ignored. Give it to Outbox.OnFailure.
func (t *Transport) BotTokenRefused(err error) {
	if code, ok := refused(err); ok {
		t.setFatal(refusedError("bot_token", code))
	}
}

func (t *Transport) setFatal(err error) {
	select {
	case t.fatal <- err:
	default:
	}
}
