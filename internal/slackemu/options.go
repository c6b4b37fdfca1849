package slackemu

import (
	"log/slog"
	"time"
)

// Option changes how a Server behaves; pass options to New or NewServer.
type Option func(*config)

type config struct {
	pingInterval    time.Duration
	noPings         bool
	redeliveryDelay time.Duration
	maxRetries      int
	triggerTTL      time.Duration
	disconnectGrace time.Duration
	logger          *slog.Logger
	botToken        string
	appToken        string
}

func defaultConfig() config {
	return config{
		pingInterval:    10 * time.Second,
		redeliveryDelay: 3 * time.Second,
		maxRetries:      3,
		triggerTTL:      3 * time.Second,
		disconnectGrace: time.Second,
		logger:          slog.New(slog.DiscardHandler),
	}
}

// WithPingInterval sets how often WebSocket ping frames go to each Socket
// Mode connection (default 10 s; slack-go gives up after 30 s without one).
func WithPingInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.pingInterval = d
		}
	}
}

// WithoutPings stops the WebSocket ping frames, as a dead Slack edge
// would; the client's watchdog should then replace the connection.
func WithoutPings() Option {
	return func(c *config) { c.noPings = true }
}

// WithRedeliveryDelay sets how long an envelope may stay un-acked before it
// is sent again with retry_attempt+1 (default 3 s). Zero or less turns
// redelivery off.
func WithRedeliveryDelay(d time.Duration) Option {
	return func(c *config) { c.redeliveryDelay = d }
}

// WithMaxRetries sets how many times an un-acked envelope is redelivered
// (default 3, like Slack).
func WithMaxRetries(n int) Option {
	return func(c *config) {
		if n >= 0 {
			c.maxRetries = n
		}
	}
}

// WithTriggerTTL sets how long a trigger_id stays usable for views.open and
// views.push (default 3 s, like Slack).
func WithTriggerTTL(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.triggerTTL = d
		}
	}
}

// WithDisconnectGrace sets how long Disconnect waits after sending the
// disconnect message before it closes the socket (default 1 s).
func WithDisconnectGrace(d time.Duration) Option {
	return func(c *config) {
		if d >= 0 {
			c.disconnectGrace = d
		}
	}
}

// WithLogger makes the server log every Web API call, connection and
// envelope to l (default: no logging). Tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithTokens fixes the bot (xoxb-) and app-level (xapp-) tokens instead of
// random ones, for demos that keep the same environment across runs.
func WithTokens(botToken, appToken string) Option {
	return func(c *config) {
		c.botToken = botToken
		c.appToken = appToken
	}
}
