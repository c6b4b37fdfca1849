package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/bot/args"
	"opsbot/integrations/alertmanager"
	promapi "opsbot/integrations/prometheus"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
)

var oneAt = time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)

// flat is a message's text and blocks as one string.
func flat(m bot.Message) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(m.Blocks)
	return m.Text + "\n" + b.String()
}

// groupOf is a firing group named name of n alerts.
func groupOf(name string, n int) *group {
	m := alertmanager.Message{Version: "4", GroupKey: name, Status: alertmanager.StatusFiring, Receiver: "opsbot",
		GroupLabels: map[string]string{"alertname": name}, CommonLabels: map[string]string{"alertname": name}}
	for i := range n {
		m.Alerts = append(m.Alerts, alertmanager.Alert{Status: alertmanager.StatusFiring, StartsAt: oneAt, Fingerprint: fmt.Sprintf("%016x", i),
			Labels: map[string]string{"alertname": name, "instance": fmt.Sprintf("web-%d:9100", i)}})
	}
	return &group{ID: groupID("CALERTS", name), Channel: "CALERTS", Msg: m}
}

// oneOfEach is an Alertmanager with one alert and one silence, and a
// Prometheus whose series has one point.
type oneOfEach struct{}

func (oneOfEach) CreateSilence(context.Context, alertmanager.Silence) (string, error) { return "", nil }
func (oneOfEach) ExpireSilence(context.Context, string) error                         { return nil }
func (oneOfEach) URL() string                                                         { return "http://am.example" }

func (oneOfEach) ListSilences(context.Context, []alertmanager.Matcher) ([]alertmanager.Silence, error) {
	return []alertmanager.Silence{{ID: "s1", Comment: "deploy", CreatedBy: "U1", EndsAt: oneAt.Add(time.Hour),
		Matchers: []alertmanager.Matcher{{Name: "alertname", Type: alertmanager.MatchEqual, Value: "DiskFull"}}, Status: alertmanager.SilenceStatus{State: alertmanager.SilenceActive}}}, nil
}

func (oneOfEach) ListAlerts(context.Context, alertmanager.AlertFilter) ([]alertmanager.GettableAlert, error) {
	return []alertmanager.GettableAlert{{Labels: map[string]string{"alertname": "DiskFull", "instance": "db-1"}}}, nil
}

func (oneOfEach) Query(context.Context, string, time.Time) (promapi.Result, []string, error) {
	return promapi.Result{Type: promapi.ResultMatrix, Series: []promapi.Series{{Labels: map[string]string{"instance": "db-1"}, Points: []promapi.Point{{T: oneAt, V: 1}}}}}, nil, nil
}

func (oneOfEach) QueryRange(context.Context, string, time.Time, time.Time, time.Duration) ([]promapi.Series, []string, error) {
	return nil, nil, nil
}

// TestOneIsSingular: counts of one read in the singular: the alerts,
// silences and query answers, a card that left out one alert and a
// storm digest of one group.
func TestOneIsSingular(t *testing.T) {
	store := redisstore.New(redistest.Start(t).Client(t), "opsbot")
	s, err := New(Config{Webhook: WebhookConfig{BearerToken: "t0ken-for-tests"}, DefaultChannel: "CALERTS"},
		Deps{Store: store, Chat: testkit.NewChat(), Alertmanager: oneOfEach{}, Prometheus: oneOfEach{}})
	if err != nil {
		t.Fatal(err)
	}
	run := func(verb, text string) string {
		t.Helper()
		for _, c := range s.Commands() {
			if c.Verb == verb {
				a, err := args.Parse(text)
				if err != nil {
					t.Fatal(err)
				}
				rep, err := c.Handler(context.Background(), &bot.Request{UserID: "U1", Channel: "COPS", Verb: verb, Args: a, Command: &c})
				if err != nil {
					t.Fatalf("%s: %v", verb, err)
				}
				return rep.Text
			}
		}
		t.Fatalf("no command %s", verb)
		return ""
	}
	for _, tt := range []struct{ got, want string }{
		{run("alerts", ""), "*1 active alert in 1 group*"},
		{run("silences", ""), "*1 silence*"},
		{run("query", "up[5m]"), "(last of 1 point)"},
		{run("query", "up[5m]"), "— 1 result"},
	} {
		if !strings.Contains(tt.got, tt.want) {
			t.Errorf("%q lacks %q", tt.got, tt.want)
		}
	}

	g := groupOf("HighCPU", maxShownAlerts+1)
	g.Msg.TruncatedAlerts = 1
	card := flat(renderGroup(g, extras{}, oneAt))
	for _, want := range []string{"… and 1 more alert (1 firing, 0 resolved)", "Alertmanager left out 1 more alert of this group."} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}
	digest := flat(renderDigest("CALERTS", []*group{groupOf("DiskFull", 1)}, oneAt))
	for _, want := range []string{"[STORM] 1 alert group: 1 firing, 0 resolved", "a group arrived faster than this channel can take messages, so it is summed up here: 1 alert firing"} {
		if !strings.Contains(digest, want) {
			t.Errorf("digest lacks %q:\n%s", want, digest)
		}
	}
}
