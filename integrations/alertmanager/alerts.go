package alertmanager

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// PostableAlert is an alert sent to Alertmanager, the way Prometheus sends
// them. A zero StartsAt means now; a zero EndsAt means it fires until
// resolve_timeout passes without a repeat; an EndsAt in the past resolves
// it.
type PostableAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// AlertState is what Alertmanager is doing with an alert.
type AlertState string

// The states Alertmanager reports.
const (
	AlertUnprocessed AlertState = "unprocessed"
	AlertActive      AlertState = "active"
	AlertSuppressed  AlertState = "suppressed" // silenced or inhibited
)

// AlertStatus says whether an alert is muted and by what.
type AlertStatus struct {
	State       AlertState `json:"state"`
	SilencedBy  []string   `json:"silencedBy"`  // silence IDs
	InhibitedBy []string   `json:"inhibitedBy"` // fingerprints of inhibiting alerts
}

// GettableAlert is an alert as Alertmanager holds it.
type GettableAlert struct {
	Labels       map[string]string
	Annotations  map[string]string
	StartsAt     time.Time
	EndsAt       time.Time
	UpdatedAt    time.Time
	GeneratorURL string
	Fingerprint  string
	Receivers    []string // names of the receivers it is routed to
	Status       AlertStatus
}

// AlertFilter narrows ListAlerts. The zero value lists every alert.
type AlertFilter struct {
	// Matchers that every listed alert satisfies.
	Matchers []Matcher
	// Receiver is a regular expression the alert's receiver must match.
	Receiver string

	ExcludeActive      bool
	ExcludeSilenced    bool
	ExcludeInhibited   bool
	ExcludeUnprocessed bool
}

type apiAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	UpdatedAt    time.Time         `json:"updatedAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
	Receivers    []struct {
		Name string `json:"name"`
	} `json:"receivers"`
	Status AlertStatus `json:"status"`
}

// ListAlerts returns the alerts Alertmanager holds that pass f.
func (c *Client) ListAlerts(ctx context.Context, f AlertFilter) ([]GettableAlert, error) {
	q := filterQuery(f.Matchers)
	for name, exclude := range map[string]bool{
		"active": f.ExcludeActive, "silenced": f.ExcludeSilenced,
		"inhibited": f.ExcludeInhibited, "unprocessed": f.ExcludeUnprocessed,
	} {
		if exclude {
			q.Set(name, "false")
		}
	}
	if f.Receiver != "" {
		q.Set("receiver", f.Receiver)
	}
	var out []apiAlert
	if err := c.do(ctx, http.MethodGet, "api/v2/alerts", q, nil, &out); err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	alerts := make([]GettableAlert, len(out))
	for i, a := range out {
		alerts[i] = GettableAlert{
			Labels: a.Labels, Annotations: a.Annotations,
			StartsAt: a.StartsAt, EndsAt: a.EndsAt, UpdatedAt: a.UpdatedAt,
			GeneratorURL: a.GeneratorURL, Fingerprint: a.Fingerprint, Status: a.Status,
		}
		for _, r := range a.Receivers {
			alerts[i].Receivers = append(alerts[i].Receivers, r.Name)
		}
	}
	return alerts, nil
}

// PostAlerts sends alerts to Alertmanager, as Prometheus does; tests and
// demos use it to make Alertmanager notify.
func (c *Client) PostAlerts(ctx context.Context, alerts []PostableAlert) error {
	for i, a := range alerts {
		if len(a.Labels) == 0 {
			return fmt.Errorf("post alerts: alert %d of %d has no labels", i+1, len(alerts))
		}
	}
	if len(alerts) == 0 {
		return nil
	}
	if err := c.do(ctx, http.MethodPost, "api/v2/alerts", nil, alerts, nil); err != nil {
		return fmt.Errorf("post %d alerts: %w", len(alerts), err)
	}
	return nil
}
