package monitor

import (
	"fmt"
	"time"

	"opsbot/integrations/alertmanager"
	promapi "opsbot/integrations/prometheus"
)

// Config is the `monitor` section: where alerts come from and go to, and
// how to reach Prometheus and Alertmanager.
type Config struct {
	// Webhook says how Alertmanager authenticates to POST /hooks/alertmanager.
	Webhook WebhookConfig `yaml:"webhook"`
	// Routes send alerts to channels; the first matching route wins unless
	// it says continue: true.
	Routes []RouteConfig `yaml:"routes"`
	// DefaultChannel gets alerts no route matches; empty drops them (logged).
	DefaultChannel string `yaml:"default_channel"`
	// Alertmanager is the API used for silences and the alerts command.
	Alertmanager AlertmanagerConfig `yaml:"alertmanager"`
	// Prometheus is the server queries, graphs and status go to.
	Prometheus promapi.Config `yaml:"prometheus"`
	// MaxSilence caps silences made from chat (default 7d).
	MaxSilence Duration `yaml:"max_silence"`
	// NodeJob is the Prometheus job of the node exporters status reads
	// (default "node").
	NodeJob string `yaml:"node_job"`
	// OnCallSchedule names the on-call schedule whose person alert
	// messages mention beside a known host's owner (optional; read by the
	// wiring that builds Deps.OnCall).
	OnCallSchedule string `yaml:"oncall_schedule"`
	// Storm folds new alert groups into one digest message per channel
	// when the channel cannot take more messages.
	Storm StormConfig `yaml:"storm"`
	// TimeZone writes times in messages for clients that cannot show
	// Slack's dates in the reader's own zone (an IANA name; default UTC).
	TimeZone string `yaml:"time_zone"`
}

// WebhookConfig is the webhook's authentication and body limit. Either a
// bearer token or basic auth must be set.
type WebhookConfig struct {
	// BearerToken is expected as "Authorization: Bearer <token>". Secret.
	BearerToken string `yaml:"bearer_token"`
	// Username and Password are expected as HTTP basic auth. Password is secret.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// MaxBodyBytes limits a notification's size (default 1 MiB).
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// RouteConfig sends alerts whose labels match Match to Channel.
type RouteConfig struct {
	// Match is a matcher list in Alertmanager syntax: severity="critical",team=~"db|infra".
	Match   string `yaml:"match"`
	Channel string `yaml:"channel"`
	// Continue keeps looking for further matching routes.
	Continue bool `yaml:"continue"`
}

// AlertmanagerConfig says how to reach Alertmanager's API.
type AlertmanagerConfig struct {
	// URL is the base URL, like http://alertmanager:9093.
	URL string `yaml:"url"`
	// BearerToken is sent to Alertmanager when set. Secret.
	BearerToken string `yaml:"bearer_token"`
}

// StormConfig is the posting budget per channel.
type StormConfig struct {
	// MaxBacklog is how long a channel's queue may grow before new groups
	// go into the digest (default 2s).
	MaxBacklog Duration `yaml:"max_backlog"`
	// MaxNewGroupsPerMinute is how many new group messages a channel gets
	// per minute before new groups go into the digest (default 10).
	MaxNewGroupsPerMinute int `yaml:"max_new_groups_per_minute"`
}

// Duration is a time.Duration read from YAML as "90s", "4h" or "7d".
type Duration time.Duration

// UnmarshalText reads a duration with the extra unit d (days).
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Defaults for zero config fields.
const (
	DefaultMaxSilence            = 7 * 24 * time.Hour
	DefaultMaxBacklog            = 2 * time.Second
	DefaultMaxNewGroupsPerMinute = 10
)

// Enabled reports whether the section is configured at all; the app wires
// monitoring only then.
func (c Config) Enabled() bool {
	return c.Alertmanager.URL != "" || c.Prometheus.URL != "" || len(c.Routes) > 0 || c.DefaultChannel != ""
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.MaxSilence <= 0 {
		c.MaxSilence = Duration(DefaultMaxSilence)
	}
	if c.Storm.MaxBacklog <= 0 {
		c.Storm.MaxBacklog = Duration(DefaultMaxBacklog)
	}
	if c.Storm.MaxNewGroupsPerMinute <= 0 {
		c.Storm.MaxNewGroupsPerMinute = DefaultMaxNewGroupsPerMinute
	}
	if c.NodeJob == "" {
		c.NodeJob = "node"
	}
	if c.Webhook.MaxBodyBytes <= 0 {
		c.Webhook.MaxBodyBytes = alertmanager.DefaultBodyLimit
	}
	return c
}

// Validate lists every problem, each as "<key.path>: <problem>". No message
// contains a secret.
func (c Config) Validate() []error {
	var errs []error
	if c.Webhook.BearerToken == "" && (c.Webhook.Username == "" || c.Webhook.Password == "") {
		errs = append(errs, fmt.Errorf("webhook: set bearer_token, or username and password, so that only Alertmanager can post alerts"))
	}
	if _, err := compileRoutes(c.Routes, c.DefaultChannel); err != nil {
		errs = append(errs, err)
	}
	if len(c.Routes) == 0 && c.DefaultChannel == "" {
		errs = append(errs, fmt.Errorf("default_channel: required when there are no routes"))
	}
	if c.Alertmanager.URL == "" {
		errs = append(errs, fmt.Errorf("alertmanager.url: required (like http://alertmanager:9093)"))
	}
	for _, err := range c.Prometheus.Validate() {
		errs = append(errs, fmt.Errorf("prometheus.%w", err))
	}
	if c.MaxSilence < 0 {
		errs = append(errs, fmt.Errorf("max_silence: must be positive"))
	}
	if c.Storm.MaxNewGroupsPerMinute < 0 {
		errs = append(errs, fmt.Errorf("storm.max_new_groups_per_minute: must be positive"))
	}
	if _, err := c.location(); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// location is TimeZone loaded (UTC when empty).
func (c Config) location() (*time.Location, error) {
	if c.TimeZone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("time_zone: %q is not a known IANA time zone (like Europe/Berlin)", c.TimeZone)
	}
	return loc, nil
}

// AlertmanagerClient builds the API client the config describes.
func (c Config) AlertmanagerClient() (*alertmanager.Client, error) {
	var opts []alertmanager.Option
	if c.Alertmanager.BearerToken != "" {
		opts = append(opts, alertmanager.WithBearerToken(c.Alertmanager.BearerToken))
	}
	return alertmanager.New(c.Alertmanager.URL, opts...)
}
