package prometheus

import (
	"context"
	"sort"
	"time"

	"github.com/prometheus/common/model"
)

// Alert is one pending or firing alert as Prometheus' rules see it.
type Alert struct {
	// Labels identify the alert; "alertname" names its rule.
	Labels map[string]string
	// Annotations carry its summary, description, runbook_url and so on.
	Annotations map[string]string
	// State is "pending" or "firing".
	State string
	// ActiveAt is when the alert's condition first held.
	ActiveAt time.Time
	// Value is the value of the rule's expression, as Prometheus wrote it.
	Value string
}

// Alerts lists the alerts of Prometheus' alerting rules that are pending or
// firing, ordered by alertname, then the alert's labels.
func (c *Client) Alerts(ctx context.Context) ([]Alert, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	res, err := c.api.Alerts(ctx)
	if err != nil {
		return nil, c.wrapErr(ctx, "list alerts", err)
	}
	out := make([]Alert, len(res.Alerts))
	for i, a := range res.Alerts {
		out[i] = Alert{
			Labels:      labelSetMap(a.Labels),
			Annotations: labelSetMap(a.Annotations),
			State:       string(a.State),
			ActiveAt:    a.ActiveAt,
			Value:       a.Value,
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if x, y := out[i].Labels["alertname"], out[j].Labels["alertname"]; x != y {
			return x < y
		}
		return SeriesName(out[i].Labels) < SeriesName(out[j].Labels)
	})
	return out, nil
}

func labelSetMap(ls model.LabelSet) map[string]string {
	out := make(map[string]string, len(ls))
	for k, v := range ls {
		out[string(k)] = string(v)
	}
	return out
}
