package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/bot/args"
	"opsbot/integrations/alertmanager"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testToken = "s3cret-webhook-token"

// current is the message ts as the chat shows it now (testkit.Chat gives
// every post a ts of its own across channels).
func current(c *testkit.Chat, ts string) bot.Message {
	for _, p := range c.Current() {
		if p.TS == ts {
			return p.Msg
		}
	}
	return bot.Message{}
}

// text is the message rendered as one string, for assertions.
func text(m bot.Message) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(m.Blocks)
	un := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")
	return m.Text + "\n" + un.Replace(b.String())
}

// newTestService starts Redis and returns a service with the fake chat.
func newTestService(t *testing.T, cfg Config, d Deps) *Service {
	t.Helper()
	srv := redistest.Start(t)
	if d.Store == nil {
		d.Store = redisstore.New(srv.Client(t), "opsbot")
	}
	if cfg.Webhook.BearerToken == "" && cfg.Webhook.Username == "" {
		cfg.Webhook.BearerToken = testToken
	}
	s, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runWorker runs s.Run until the test ends.
func runWorker(t *testing.T, s *Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// payload builds a webhook body for a group of n alerts.
func payload(groupKey, status string, labels map[string]string, n int, start time.Time) alertmanager.Message {
	m := alertmanager.Message{
		Version: "4", GroupKey: groupKey, Status: status, Receiver: "opsbot",
		GroupLabels: map[string]string{"alertname": labels["alertname"]}, CommonLabels: labels,
		CommonAnnotations: map[string]string{"summary": "something is wrong"},
		ExternalURL:       "http://alertmanager.example:9093",
	}
	for i := range n {
		l := map[string]string{"instance": fmt.Sprintf("web-%d:9100", i)}
		for k, v := range labels {
			l[k] = v
		}
		a := alertmanager.Alert{Status: status, Labels: l, StartsAt: start, Fingerprint: fmt.Sprintf("%016x", i)}
		if status == alertmanager.StatusResolved {
			a.EndsAt = start.Add(10 * time.Minute)
		}
		m.Alerts = append(m.Alerts, a)
	}
	return m
}

// post sends m to the webhook handler and returns the status code.
func post(t testing.TB, h http.Handler, m alertmanager.Message) int {
	body, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/hooks/alertmanager", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// click presses a button on a group's message.
func click(t *testing.T, s *Service, action, groupID, user string) (*bot.Reply, error) {
	t.Helper()
	for _, r := range s.Actions() {
		if r.ID == action || (strings.HasSuffix(r.ID, ".") && strings.HasPrefix(action, r.ID)) {
			return r.Handler(context.Background(), &bot.Request{UserID: user, Channel: channelOf(groupID), Action: &bot.Action{ID: action, Value: groupID}})
		}
	}
	t.Fatalf("no route for %s", action)
	return nil, nil
}

// command runs a monitor command with text as its arguments.
func command(t *testing.T, s *Service, verb, text string) (*bot.Reply, error) {
	t.Helper()
	for _, c := range s.Commands() {
		if c.Verb == verb {
			a, err := parseArgs(text)
			if err != nil {
				t.Fatal(err)
			}
			return c.Handler(context.Background(), &bot.Request{UserID: "U1", Channel: "C1", Verb: verb, Text: verb + " " + text, Args: a, Command: &c})
		}
	}
	t.Fatalf("no command %s", verb)
	return nil, nil
}

func parseArgs(s string) (args.Args, error) { return args.Parse(s) }
