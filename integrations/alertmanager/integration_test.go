package alertmanager_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"opsbot/integrations/alertmanager"
	"opsbot/integrations/alertmanager/amtest"
)

// receiver plays the code under test: an HTTP endpoint that requires an
// Authorization header and decodes what Alertmanager posts.
type receiver struct {
	srv  *httptest.Server
	msgs chan *alertmanager.Message

	mu       sync.Mutex
	problems []string // refused requests, reported at the end of the test
}

func newReceiver(t *testing.T, wantAuth string) *receiver {
	t.Helper()
	r := &receiver{msgs: make(chan *alertmanager.Message, 64)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if got := req.Header.Get("Authorization"); got != wantAuth {
			r.problem("Authorization header %q, want %q", got, wantAuth)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		m, err := alertmanager.Decode(req.Body, alertmanager.DefaultBodyLimit)
		if err != nil {
			r.problem("decode: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case r.msgs <- m:
		case <-req.Context().Done():
		}
	}))
	t.Cleanup(func() {
		r.srv.Close()
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, p := range r.problems {
			t.Errorf("webhook receiver: %s", p)
		}
	})
	return r
}

func (r *receiver) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// next waits up to 20 s for a message that satisfies ok, skipping others.
func (r *receiver) next(t *testing.T, what string, ok func(*alertmanager.Message) bool) *alertmanager.Message {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m := <-r.msgs:
			if ok(m) {
				return m
			}
			t.Logf("skipping webhook: status %s, %d alerts", m.Status, len(m.Alerts))
		case <-deadline:
			t.Fatalf("no webhook with %s within 20s", what)
			return nil
		}
	}
}

func newClient(t *testing.T, base string) *alertmanager.Client {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := alertmanager.New(base, alertmanager.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustParse(t *testing.T, s string) []alertmanager.Matcher {
	t.Helper()
	ms, err := alertmanager.ParseMatchers(s)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestWebhookFiringThenResolved(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		auth     amtest.Option
		wantAuth string
	}{
		{"bearer token", amtest.WebhookBearerToken("hook-t0k3n"), "Bearer hook-t0k3n"},
		{"basic auth", amtest.WebhookBasicAuth("am", "hook-pw"), "Basic YW06aG9vay1wdw=="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			recv := newReceiver(t, tt.wantAuth)
			am := amtest.Start(t, amtest.WebhookURL(recv.srv.URL+"/hooks/alertmanager"), tt.auth)
			c := newClient(t, am.URL())
			ctx := context.Background()

			// Given two alerts of one group, as Prometheus would send them.
			startsAt := time.Now().Add(-time.Minute).UTC()
			posted := []alertmanager.PostableAlert{
				{
					Labels:       map[string]string{"alertname": "DiskFull", "instance": "web-1", "severity": "critical"},
					Annotations:  map[string]string{"summary": "/var is 97% full"},
					StartsAt:     startsAt,
					GeneratorURL: "http://prometheus.test/graph?g0.expr=disk",
				},
				{
					Labels:   map[string]string{"alertname": "DiskFull", "instance": "web-2", "severity": "warning"},
					StartsAt: startsAt,
				},
			}
			if err := c.PostAlerts(ctx, posted); err != nil {
				t.Fatal(err)
			}

			// Then one firing notification carries both.
			firing := recv.next(t, "both alerts firing", func(m *alertmanager.Message) bool {
				return m.Status == alertmanager.StatusFiring && len(m.Alerts) == 2
			})
			if firing.Version != "4" || firing.Receiver != amtest.ReceiverName || firing.ExternalURL != am.URL() {
				t.Errorf("version %q receiver %q externalURL %q", firing.Version, firing.Receiver, firing.ExternalURL)
			}
			if want := map[string]string{"alertname": "DiskFull"}; !reflect.DeepEqual(firing.GroupLabels, want) || !reflect.DeepEqual(firing.CommonLabels, want) {
				t.Errorf("groupLabels %v commonLabels %v, want %v", firing.GroupLabels, firing.CommonLabels, want)
			}
			checkAlerts(t, firing, posted, alertmanager.StatusFiring)

			// When both are resolved, a resolved notification of the same
			// group follows.
			endsAt := time.Now().Add(-time.Second).UTC()
			for i := range posted {
				posted[i].EndsAt = endsAt
			}
			if err := c.PostAlerts(ctx, posted); err != nil {
				t.Fatal(err)
			}
			resolved := recv.next(t, "both alerts resolved", func(m *alertmanager.Message) bool {
				return m.Status == alertmanager.StatusResolved && len(m.Alerts) == 2
			})
			if resolved.GroupKey != firing.GroupKey {
				t.Errorf("resolved groupKey %q, firing had %q", resolved.GroupKey, firing.GroupKey)
			}
			checkAlerts(t, resolved, posted, alertmanager.StatusResolved)
		})
	}
}

// checkAlerts compares what arrived with what was posted, by instance.
func checkAlerts(t *testing.T, m *alertmanager.Message, posted []alertmanager.PostableAlert, status string) {
	t.Helper()
	got := map[string]alertmanager.Alert{}
	for _, a := range m.Alerts {
		got[a.Labels["instance"]] = a
	}
	for _, p := range posted {
		a, ok := got[p.Labels["instance"]]
		switch {
		case !ok:
			t.Errorf("no alert for %v in %+v", p.Labels, m.Alerts)
			continue
		case a.Status != status:
			t.Errorf("%v: status %q, want %q", p.Labels, a.Status, status)
		case !reflect.DeepEqual(a.Labels, p.Labels):
			t.Errorf("labels %v, want %v", a.Labels, p.Labels)
		case len(a.Annotations)+len(p.Annotations) > 0 && !reflect.DeepEqual(a.Annotations, p.Annotations):
			t.Errorf("%v: annotations %v, want %v", p.Labels, a.Annotations, p.Annotations)
		case !a.StartsAt.Equal(p.StartsAt):
			t.Errorf("%v: startsAt %v, want %v", p.Labels, a.StartsAt, p.StartsAt)
		case !p.EndsAt.IsZero() && !a.EndsAt.Equal(p.EndsAt):
			t.Errorf("%v: endsAt %v, want %v", p.Labels, a.EndsAt, p.EndsAt)
		case a.GeneratorURL != p.GeneratorURL:
			t.Errorf("%v: generatorURL %q, want %q", p.Labels, a.GeneratorURL, p.GeneratorURL)
		case a.Fingerprint == "":
			t.Errorf("%v: no fingerprint", p.Labels)
		}
	}
}

func TestSilenceLifecycle(t *testing.T) {
	t.Parallel()
	am := amtest.Start(t)
	c := newClient(t, am.URL())
	ctx := context.Background()
	if err := c.PostAlerts(ctx, []alertmanager.PostableAlert{
		{Labels: map[string]string{"alertname": "DiskFull", "instance": "web-1"}},
		{Labels: map[string]string{"alertname": "HighCPU", "instance": "web-1"}},
	}); err != nil {
		t.Fatal(err)
	}

	// Create a silence from what an operator typed.
	matchers := mustParse(t, `alertname="DiskFull", instance=~"web-.*"`)
	endsAt := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	id, err := c.CreateSilence(ctx, alertmanager.Silence{Matchers: matchers, EndsAt: endsAt, CreatedBy: "alice", Comment: "disk swap"})
	if err != nil {
		t.Fatal(err)
	}

	got, err := c.GetSilence(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Status.State != alertmanager.SilenceActive || got.CreatedBy != "alice" || got.Comment != "disk swap" ||
		!got.EndsAt.Equal(endsAt) || alertmanager.Matchers(got.Matchers).String() != alertmanager.Matchers(matchers).String() {
		t.Errorf("silence %+v", got)
	}

	// It is listed under a filter it fits, and not under one it does not.
	listed := func(filter string) bool {
		t.Helper()
		ss, err := c.ListSilences(ctx, mustParse(t, filter))
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(ss, func(s alertmanager.Silence) bool { return s.ID == id })
	}
	if !listed(`alertname="DiskFull"`) || listed(`alertname="HighCPU"`) {
		t.Errorf("silence listed wrongly: DiskFull filter %v, HighCPU filter %v", listed(`alertname="DiskFull"`), listed(`alertname="HighCPU"`))
	}

	// It mutes the DiskFull alert only.
	alerts, err := c.ListAlerts(ctx, alertmanager.AlertFilter{Matchers: mustParse(t, `alertname="DiskFull"`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Status.State != alertmanager.AlertSuppressed || !slices.Equal(alerts[0].Status.SilencedBy, []string{id}) {
		t.Errorf("DiskFull alerts %+v, want one silenced by %s", alerts, id)
	}
	unsilenced, err := c.ListAlerts(ctx, alertmanager.AlertFilter{ExcludeSilenced: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(unsilenced) != 1 || unsilenced[0].Labels["alertname"] != "HighCPU" {
		t.Errorf("unsilenced alerts %+v, want only HighCPU", unsilenced)
	}

	// Expire it; expiring again is fine, an unknown ID is not found.
	if err := c.ExpireSilence(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetSilence(ctx, id); err != nil || got.Status.State != alertmanager.SilenceExpired {
		t.Errorf("after expiry: %+v, %v", got.Status, err)
	}
	if err := c.ExpireSilence(ctx, id); err != nil {
		t.Errorf("expire an expired silence: %v", err)
	}
	const unknown = "00000000-0000-4000-8000-000000000000"
	if err := c.ExpireSilence(ctx, unknown); !errors.Is(err, alertmanager.ErrNotFound) {
		t.Errorf("expire unknown silence: %v, want ErrNotFound", err)
	}
	if _, err := c.GetSilence(ctx, unknown); !errors.Is(err, alertmanager.ErrNotFound) {
		t.Errorf("get unknown silence: %v, want ErrNotFound", err)
	}

	// Alertmanager's own refusal reaches the caller in its words.
	_, err = c.CreateSilence(ctx, alertmanager.Silence{Matchers: mustParse(t, `instance=~".*"`), EndsAt: endsAt, CreatedBy: "alice", Comment: "all"})
	var apiErr *alertmanager.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || apiErr.Message == "" {
		t.Errorf("silence matching everything: %v, want a 400 with Alertmanager's reason", err)
	}
}

func TestListAlertsAndStatus(t *testing.T) {
	t.Parallel()
	am := amtest.Start(t)
	c := newClient(t, am.URL())
	ctx := context.Background()
	if err := c.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Cluster.Status != "disabled" || st.VersionInfo.Version == "" || st.Uptime.IsZero() || st.Config.Original == "" {
		t.Errorf("status %+v", st)
	}

	var posted []alertmanager.PostableAlert
	for _, l := range []map[string]string{
		{"alertname": "HighCPU", "instance": "web-1", "severity": "critical", "env": "prod"},
		{"alertname": "HighCPU", "instance": "web-2", "severity": "warning", "env": "prod"},
		{"alertname": "DiskFull", "instance": "db-1", "severity": "warning", "env": "staging"},
	} {
		posted = append(posted, alertmanager.PostableAlert{Labels: l})
	}
	if err := c.PostAlerts(ctx, posted); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		filter string
		want   []string // instances
	}{
		{`alertname="HighCPU"`, []string{"web-1", "web-2"}},
		{`severity=~"crit|warn"`, nil}, // anchored: neither value is exactly crit or warn
		{`severity=~"crit.*|warn.*"`, []string{"db-1", "web-1", "web-2"}},
		{`{env!="prod"}`, []string{"db-1"}},
		{`alertname="HighCPU",instance!~"web-1"`, []string{"web-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			alerts, err := c.ListAlerts(ctx, alertmanager.AlertFilter{Matchers: mustParse(t, tt.filter)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range alerts {
				got = append(got, a.Labels["instance"])
				if !slices.Equal(a.Receivers, []string{amtest.ReceiverName}) || a.Fingerprint == "" || a.Status.State != alertmanager.AlertActive {
					t.Errorf("alert %+v", a)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("instances %v, want %v", got, tt.want)
			}
			// Our matchers agree with Alertmanager's.
			var local []string
			for _, p := range posted {
				if alertmanager.Matchers(mustParse(t, tt.filter)).Matches(p.Labels) {
					local = append(local, p.Labels["instance"])
				}
			}
			slices.Sort(local)
			if !slices.Equal(local, got) {
				t.Errorf("Matchers.Matches selects %v, Alertmanager %v", local, got)
			}
		})
	}
}
