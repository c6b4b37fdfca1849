package amtest

import (
	"slices"
	"time"
)

// options is what Start's Options set.
type options struct {
	webhookURL     string
	bearerToken    string
	basicUser      string
	basicPassword  string
	groupBy        []string
	repeatInterval time.Duration
}

func defaultOptions() options {
	return options{groupBy: []string{"alertname"}, repeatInterval: time.Hour}
}

// Option changes how Start configures Alertmanager.
type Option func(*options)

// WebhookURL makes the receiver post notifications (with send_resolved) to
// url, normally an httptest.Server of the code under test. Without it the
// receiver notifies nobody.
func WebhookURL(url string) Option {
	return func(o *options) { o.webhookURL = url }
}

// WebhookBearerToken makes Alertmanager send "Authorization: Bearer token"
// with every notification.
func WebhookBearerToken(token string) Option {
	return func(o *options) { o.bearerToken = token }
}

// WebhookBasicAuth makes Alertmanager send HTTP basic credentials with
// every notification.
func WebhookBasicAuth(username, password string) Option {
	return func(o *options) { o.basicUser, o.basicPassword = username, password }
}

// GroupBy sets the route's group_by labels (default alertname); "..."
// alone groups by all labels, one group per alert.
func GroupBy(labels ...string) Option {
	return func(o *options) { o.groupBy = slices.Clone(labels) }
}

// RepeatInterval sets how long Alertmanager waits before notifying again
// about a group that has not changed (default one hour, so repeats do not
// disturb a test).
func RepeatInterval(d time.Duration) Option {
	return func(o *options) { o.repeatInterval = d }
}
