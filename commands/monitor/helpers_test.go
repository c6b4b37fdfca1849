package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/bot/args"
	"opsbot/integrations/alertmanager"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testToken = "s3cret-webhook-token"

// sent is one message the fake chat posted or updated.
type sent struct {
	Channel, TS string
	Msg         bot.Message
	Update      bool
	At          time.Time
	// Slot is when a paced chat let the post through (zero unpaced).
	Slot time.Time
}

// fakeChat records posts and updates. With pace set it lets one post per
// pace per channel through, making later ones wait as Slack's outbox
// would, and reports that wait as Backlog.
type fakeChat struct {
	pace time.Duration

	mu   sync.Mutex
	log  []sent
	n    int
	next map[string]time.Time
	cond chan struct{}   // closed and replaced on every change
	gone map[string]bool // deleted messages by ts: updates fail with message_not_found
	// inFlight and maxInFlight count posts under way per channel.
	inFlight, maxInFlight map[string]int
}

func newFakeChat(pace time.Duration) *fakeChat {
	return &fakeChat{pace: pace, next: map[string]time.Time{}, cond: make(chan struct{}), gone: map[string]bool{},
		inFlight: map[string]int{}, maxInFlight: map[string]int{}}
}

// mostAtOnce is the largest number of posts to channel that were under
// way at the same time.
func (c *fakeChat) mostAtOnce(channel string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxInFlight[channel]
}

// remove deletes a message as a person in Slack would.
func (c *fakeChat) remove(ts string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gone[ts] = true
}

func (c *fakeChat) Post(ctx context.Context, m bot.Message) (string, error) {
	c.mu.Lock()
	c.inFlight[m.Channel]++
	c.maxInFlight[m.Channel] = max(c.maxInFlight[m.Channel], c.inFlight[m.Channel])
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.inFlight[m.Channel]--
		c.mu.Unlock()
	}()
	var slot time.Time
	if c.pace > 0 {
		c.mu.Lock()
		now := time.Now()
		slot = c.next[m.Channel]
		if slot.Before(now) {
			slot = now
		}
		c.next[m.Channel] = slot.Add(c.pace)
		c.mu.Unlock()
		t := time.NewTimer(time.Until(slot))
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	ts := fmt.Sprintf("1700000000.%06d", c.n)
	c.record(sent{Channel: m.Channel, TS: ts, Msg: m, At: time.Now(), Slot: slot})
	return ts, nil
}

func (c *fakeChat) Update(_ context.Context, channel, ts string, m bot.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone[ts] {
		return slack.SlackErrorResponse{Err: "message_not_found"}
	}
	c.record(sent{Channel: channel, TS: ts, Msg: m, Update: true, At: time.Now()})
	return nil
}

// Backlog is how long a new post to channel would wait.
func (c *fakeChat) Backlog(channel string) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(time.Until(c.next[channel]), 0)
}

func (c *fakeChat) record(s sent) {
	c.log = append(c.log, s)
	close(c.cond)
	c.cond = make(chan struct{})
}

// posts lists the posts (not updates), in order.
func (c *fakeChat) posts() []sent {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []sent
	for _, s := range c.log {
		if !s.Update {
			out = append(out, s)
		}
	}
	return out
}

// postsTo counts the posts (not updates) to channel.
func (c *fakeChat) postsTo(channel string) int {
	n := 0
	for _, p := range c.posts() {
		if p.Channel == channel {
			n++
		}
	}
	return n
}

// latest returns the current text of every message, by ts.
func (c *fakeChat) latest() map[string]sent {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]sent{}
	for _, s := range c.log {
		out[s.TS] = s
	}
	return out
}

// waitFor polls cond on every change of the chat until it holds or the
// deadline passes.
func (c *fakeChat) waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		c.mu.Lock()
		ch := c.cond
		c.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s; chat has %d messages", what, len(c.latest()))
		}
	}
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
