package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"opsbot/bot/slackemu"
	"opsbot/integrations/alertmanager"
	"opsbot/integrations/alertmanager/amtest"
	"opsbot/integrations/testenv"
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

func TestHostSilencerAgainstAlertmanager(t *testing.T) {
	am := amtest.Start(t)
	client, err := alertmanager.New(am.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, err := hostSilencer{am: client}.SilenceHosts(ctx, []string{"web-1", "web.2"}, 30*time.Minute, "CHG-7 restart nginx")
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.GetSilence(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ms := alertmanager.Matchers(s.Matchers)
	for labels, want := range map[string]bool{"web-1": true, "web-1:9100": true, "web.2:22": true, "web-10": false, "webx2": false} {
		if got := ms.Matches(map[string]string{"instance": labels}); got != want {
			t.Errorf("silence matches instance=%q: %v, want %v", labels, got, want)
		}
	}
}
