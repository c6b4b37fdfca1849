package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/alertmanager"
	"opsbot/integrations/alertmanager/amtest"
	"opsbot/integrations/testenv"
	"opsbot/internal/slackemu"
	"opsbot/internal/testkit"
)

// TestE2EAlertsFromAlertmanager: the real Alertmanager posts to opsbot's
// webhook; the alert group becomes one message in its channel; the Silence
// button creates a silence Alertmanager lists; the resolve updates the same
// message.
func TestE2EAlertsFromAlertmanager(t *testing.T) {
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	const token = "webhook-test-token"
	am := amtest.Start(t, amtest.WebhookURL(fmt.Sprintf("http://127.0.0.1:%d/hooks/alertmanager", port)), amtest.WebhookBearerToken(token))
	cfg := fmt.Sprintf(`monitor:
  webhook: {bearer_token: %s}
  routes:
    - {match: 'team="db"', channel: C2}
  default_channel: C1
  alertmanager: {url: %q}
  prometheus: {url: "http://127.0.0.1:1"}
`, token, am.URL())
	e := startE2E(t, noLimit+cfg, withHTTPPort(port))
	client, err := alertmanager.New(am.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	alert := alertmanager.PostableAlert{
		Labels:      map[string]string{"alertname": "DiskFull", "team": "db", "instance": "db-1:9100", "severity": "critical"},
		Annotations: map[string]string{"summary": "disk on db-1 is 97% full"},
		StartsAt:    time.Now().Add(-time.Minute),
	}
	if err := client.PostAlerts(ctx, []alertmanager.PostableAlert{alert}); err != nil {
		t.Fatal(err)
	}
	msg := e.waitFor(t, "the alert message in the db channel", func(m slackemu.Message) bool {
		return m.Channel == "C2" && strings.Contains(string(m.Blocks), "DiskFull")
	})
	if _, err := e.slack.Click("U2", "C2", msg.TS, "alert.silence.1h", buttonValue(t, msg, "alert.silence.1h")); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the message showing the silence", func(m slackemu.Message) bool {
		return m.TS == msg.TS && strings.Contains(strings.ToLower(string(m.Blocks)), "silenced")
	})
	silences, err := client.ListSilences(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, s := range silences {
		if s.Status.State == alertmanager.SilenceActive && s.CreatedBy != "" {
			active++
		}
	}
	if active != 1 {
		t.Errorf("%d active silences in Alertmanager, want 1: %+v", active, silences)
	}
	// Alertmanager mutes notifications of silenced alerts, resolves
	// included, so the silence is lifted (with the button) first.
	unsilenced := e.slack.MessageSeq()
	if _, err := e.slack.Click("U2", "C2", msg.TS, "alert.unsilence", buttonValue(t, e.current(t, "C2", msg.TS), "alert.unsilence")); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
	defer wcancel()
	if _, err := e.slack.WaitForMessageAfter(wctx, unsilenced, func(m slackemu.Message) bool {
		return m.TS == msg.TS && !strings.Contains(strings.ToLower(string(m.Blocks)), "silenced by")
	}); err != nil {
		t.Fatalf("the silence is still shown: %v", err)
	}
	if silences, err = client.ListSilences(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range silences {
		if s.Status.State == alertmanager.SilenceActive {
			t.Errorf("silence %s still active after Unsilence", s.ID)
		}
	}
	alert.EndsAt = time.Now().Add(-time.Second)
	if err := client.PostAlerts(ctx, []alertmanager.PostableAlert{alert}); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the same message resolved", func(m slackemu.Message) bool {
		return m.TS == msg.TS && strings.Contains(strings.ToLower(string(m.Blocks)), "resolved")
	})
	for _, m := range e.slack.Messages("C2") {
		if m.TS != msg.TS && m.FromApp() && !m.Ephemeral && strings.Contains(string(m.Blocks), "DiskFull") {
			t.Errorf("a second message for the group: %s", m.Text)
		}
	}
	// The route matched and does not continue: the default channel got
	// nothing of it.
	for _, m := range e.slack.Messages("C1") {
		if m.FromApp() && strings.Contains(m.Text+string(m.Blocks), "DiskFull") {
			t.Errorf("the routed alert also went to the default channel C1: %s", m.Text)
		}
	}
}

// hostileNotification is a webhook body whose labels and annotations try
// to post live Slack markup, each field pad longer.
func hostileNotification(groupKey string, alerts int, pad string) alertmanager.Message {
	m := alertmanager.Message{
		Version: "4", GroupKey: groupKey, Status: alertmanager.StatusFiring, Receiver: "opsbot",
		GroupLabels:       map[string]string{"alertname": "<!channel> Disk" + pad},
		CommonLabels:      map[string]string{"alertname": "<!channel> Disk" + pad, "severity": "<!here>" + pad},
		CommonAnnotations: map[string]string{"runbook_url": "javascript:alert(1)", "dashboard": "https://ok.example/a|b c"},
	}
	for i := range alerts {
		m.Alerts = append(m.Alerts, alertmanager.Alert{
			Status: alertmanager.StatusFiring, StartsAt: time.Now().Add(-time.Minute), Fingerprint: fmt.Sprintf("%016x", i),
			Labels: map[string]string{"alertname": "<!channel> Disk" + pad, "severity": "<!here>" + pad,
				"instance": fmt.Sprintf("<https://evil.example|click>-%d%s", i, pad), "team": "&<>" + pad},
			Annotations: map[string]string{
				"summary":     "<!channel> wake up <https://evil.example|click> &<>" + pad,
				"description": "<!subteam^S1> <@U0EVIL> &<>" + pad,
				"runbook_url": "javascript:alert(1)", "dashboard": "https://ok.example/a|b c",
			},
			GeneratorURL: "<https://evil.example|click>",
		})
	}
	return m
}

// TestE2EHostileAlertIsPostedInert: a notification whose labels and
// annotations hold <!channel>, foreign links, a javascript: runbook and a
// dashboard URL with | and a space, some fields far over Slack's limits,
// reaches the local Slack through the webhook, renderer and outbox as
// accepted messages without a live mention or foreign link.
func TestE2EHostileAlertIsPostedInert(t *testing.T) {
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	const token = "webhook-test-token"
	e := startE2E(t, noLimit+fmt.Sprintf(`monitor:
  webhook: {bearer_token: %s, max_body_bytes: 8388608}
  default_channel: C1
  alertmanager: {url: "http://127.0.0.1:1"}
  prometheus: {url: "http://127.0.0.1:1"}
`, token), withHTTPPort(port))
	for _, n := range []alertmanager.Message{
		hostileNotification("hostile", 2, ""),
		hostileNotification("hostile-longest", 10, strings.Repeat("&<>x", 2500)),
	} {
		body, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/hooks/alertmanager", port), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %d", resp.StatusCode)
		}
	}
	eventually(t, e, "both alert messages posted", func() bool {
		n := 0
		for _, m := range e.slack.Messages("C1") {
			if m.FromApp() && strings.Contains(string(m.Blocks), "FIRING") {
				n++
			}
		}
		return n == 2
	})
	for _, c := range e.slack.CallsTo("chat.postMessage") {
		if c.Error != "" {
			t.Errorf("the local Slack refused a post: %s", c.Error)
		}
	}
	for _, m := range e.slack.Messages("C1") {
		if !m.FromApp() {
			continue
		}
		tokens, urls := testkit.LiveMarkup(t, m.Blocks)
		for _, tok := range tokens {
			if !strings.HasPrefix(tok.Token, "<https://ok.example/") && !strings.HasPrefix(tok.Token, "<!date^") {
				t.Errorf("live token %.120q in a posted message", tok.Token)
			}
		}
		for _, u := range urls {
			t.Errorf("a button links to %.120q", u)
		}
		if strings.ContainsAny(m.Text, "<>") {
			t.Errorf("notification text has markup: %.120q", m.Text)
		}
		all := string(m.Blocks)
		for _, want := range []string{`https://ok.example/a%7Cb%20c|Dashboard`, "Not shown: the source and runbook links"} {
			if !strings.Contains(all, want) {
				t.Errorf("message lacks %q", want)
			}
		}
	}
}

// TestE2EAlertStormThroughAlertmanager measures a storm end to end: alerts
// posted to a real Alertmanager, its webhooks to the built opsbot, the
// outbox to the local Slack (paced per channel like Slack). It reports
// the time from the first alert posted until every alert is represented
// on a card (its group's own message or its channel's digest), and from
// the last resolve posted until every card shows all its group's alerts
// resolved. Resolves are posted in batches across the groups, so each
// group's resolves reach opsbot in several notifications. Long, so only
// with OPSBOT_BENCH_STORM=1 (deploy/bench/alert-storm.sh); the size comes
// from OPSBOT_STORM_GROUPS and OPSBOT_STORM_PER_GROUP (50 × 100).
func TestE2EAlertStormThroughAlertmanager(t *testing.T) {
	if os.Getenv("OPSBOT_BENCH_STORM") == "" {
		t.Skip("a benchmark: set OPSBOT_BENCH_STORM=1 (deploy/bench/alert-storm.sh)")
	}
	envInt := func(name string, def int) int {
		if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
			return n
		}
		return def
	}
	groups, perGroup := envInt("OPSBOT_STORM_GROUPS", 50), envInt("OPSBOT_STORM_PER_GROUP", 100)
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	const token = "webhook-test-token"
	am := amtest.Start(t, amtest.WebhookURL(fmt.Sprintf("http://127.0.0.1:%d/hooks/alertmanager", port)), amtest.WebhookBearerToken(token))
	e := startE2E(t, noLimit+fmt.Sprintf(`monitor:
  webhook: {bearer_token: %s, max_body_bytes: 8388608}
  routes:
    - {match: 'team="a"', channel: C1}
    - {match: 'team="b"', channel: C2}
  alertmanager: {url: %q}
  prometheus: {url: "http://127.0.0.1:1"}
`, token, am.URL()), withHTTPPort(port))
	client, err := alertmanager.New(am.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	name := func(g int) string { return fmt.Sprintf("Storm%02d", g) }
	startsAt := time.Now().Add(-time.Minute).Truncate(time.Second)
	alert := func(g, i int, end time.Time) alertmanager.PostableAlert {
		team := "a"
		if g%2 == 1 {
			team = "b"
		}
		return alertmanager.PostableAlert{
			Labels:      map[string]string{"alertname": name(g), "team": team, "instance": fmt.Sprintf("web-%03d:9100", i)},
			Annotations: map[string]string{"summary": "disk almost full"},
			StartsAt:    startsAt, EndsAt: end,
		}
	}
	// postAll sends every alert in batches of 500 that cut across groups
	// (alert i of every group, then i+1, ...).
	postAll := func(end func() time.Time) {
		var batch []alertmanager.PostableAlert
		for i := range perGroup {
			for g := range groups {
				batch = append(batch, alert(g, i, end()))
				if len(batch) == 500 {
					if err := client.PostAlerts(ctx, batch); err != nil {
						t.Fatal(err)
					}
					batch = batch[:0]
				}
			}
		}
		if err := client.PostAlerts(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	// shown reports whether every group shows all its alerts in state
	// ("firing" or "resolved"), on its own card or in a digest.
	shown := func(state string) bool {
		var all strings.Builder
		for _, ch := range []string{"C1", "C2"} {
			for _, m := range e.slack.Messages(ch) {
				if m.FromApp() {
					all.Write(m.Blocks)
				}
			}
		}
		s := all.String()
		for g := range groups {
			own := fmt.Sprintf("FIRING: %s* · %d firing", name(g), perGroup)
			if state == alertmanager.StatusResolved {
				own = fmt.Sprintf("RESOLVED: %s* · %d resolved", name(g), perGroup)
			}
			if !strings.Contains(s, own) && !strings.Contains(s, fmt.Sprintf("*%s* — %d %s", name(g), perGroup, state)) {
				return false
			}
		}
		return true
	}
	wait := func(what, state string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Minute)
		for !shown(state) {
			if time.Now().After(deadline) {
				t.Fatalf("waited 5m for %s\nopsbot logs:\n%s", what, tail(e.logs.String(), 30))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	start := time.Now()
	postAll(func() time.Time { return time.Time{} })
	wait("every alert represented firing", alertmanager.StatusFiring)
	firing := time.Since(start)
	postAll(func() time.Time { return time.Now().Add(-time.Second) })
	lastResolve := time.Now()
	wait("every alert shown resolved", alertmanager.StatusResolved)
	resolved := time.Since(lastResolve)
	posts, updates := len(e.slack.CallsTo("chat.postMessage")), len(e.slack.CallsTo("chat.update"))
	t.Logf("storm of %d alerts in %d groups through Alertmanager: all represented firing %.1fs after the first alert was posted; all shown resolved %.1fs after the last resolve was posted (%d posts, %d updates)",
		groups*perGroup, groups, firing.Seconds(), resolved.Seconds(), posts, updates)
}
