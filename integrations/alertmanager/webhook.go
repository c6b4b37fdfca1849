package alertmanager

import "time"

// The values of Message.Status and Alert.Status.
const (
	StatusFiring   = "firing"
	StatusResolved = "resolved"
)

// WebhookVersion is the only webhook payload version Decode accepts, the
// one current Alertmanager releases send.
const WebhookVersion = "4"

// Message is the body Alertmanager's webhook receiver posts for one alert
// group (version 4). GroupKey identifies the group across notifications: a
// later message with the same key (firing or resolved) is about the same
// group, so a chat message can be updated in place.
type Message struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   uint64            `json:"truncatedAlerts"`
	Status            string            `json:"status"` // StatusFiring while any alert fires
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// Alert is one alert of a webhook Message. Times are in UTC; EndsAt is the
// zero time (Alertmanager writes 0001-01-01T00:00:00Z) while the alert
// fires without a known end.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Firing reports whether the alert was firing when the message was sent.
func (a Alert) Firing() bool { return a.Status == StatusFiring }
