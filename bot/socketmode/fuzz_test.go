package socketmode

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"opsbot/bot"
	"opsbot/bot/outbox"
	"opsbot/internal/testkit"
)

// parseLikeSlackGo turns one WebSocket frame into the event slack-go's
// Socket Mode client hands its reader. It follows slack-go v0.35's
// (unexported) parseEvent, so the fuzz target below feeds the transport
// exactly what a hostile or broken peer could make slack-go produce.
func parseLikeSlackGo(frame []byte) (socketmode.Event, bool) {
	req := &socketmode.Request{}
	if err := json.Unmarshal(frame, req); err != nil {
		return socketmode.Event{Type: socketmode.EventTypeErrorBadMessage}, true
	}
	ev := socketmode.Event{Request: req}
	switch req.Type {
	case socketmode.RequestTypeEventsAPI:
		e, err := slackevents.ParseEvent(req.Payload, slackevents.OptionNoVerifyToken())
		if err != nil {
			return socketmode.Event{Type: socketmode.EventTypeErrorBadMessage}, true
		}
		ev.Type, ev.Data = socketmode.EventTypeEventsAPI, e
	case socketmode.RequestTypeSlashCommands:
		var cmd slack.SlashCommand
		if err := json.Unmarshal(req.Payload, &cmd); err != nil {
			return socketmode.Event{Type: socketmode.EventTypeErrorBadMessage}, true
		}
		ev.Type, ev.Data = socketmode.EventTypeSlashCommand, cmd
	case socketmode.RequestTypeInteractive:
		var cb slack.InteractionCallback
		if err := json.Unmarshal(req.Payload, &cb); err != nil {
			return socketmode.Event{Type: socketmode.EventTypeErrorBadMessage}, true
		}
		ev.Type, ev.Data = socketmode.EventTypeInteractive, cb
	default:
		return socketmode.Event{}, false
	}
	return ev, true
}

type nopAcker struct{}

func (nopAcker) AckCtx(context.Context, string, any) error { return nil }

// refuseAll is an HTTP transport that sends nothing anywhere: the fuzzed
// response_url and API calls must not reach the network.
type refuseAll struct{}

func (refuseAll) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in fuzzing")
}

// touchAll reads every field a handler may read, and answers with text,
// a view or form errors depending on the request, so delivery runs too.
type touchAll struct{}

func (touchAll) Dispatch(_ context.Context, req *bot.Request) (*bot.Reply, error) {
	_ = req.UserID + req.Channel + req.Thread + req.Text + req.TriggerID + req.ResponseURL
	if req.Action != nil {
		_ = req.Action.ID + req.Action.Value + req.Action.MessageTS + req.Action.BlockID
		return &bot.Reply{Text: "clicked", ReplaceOriginal: true}, nil
	}
	if v := req.View; v != nil {
		for _, actions := range v.Values {
			for range actions {
			}
		}
		return &bot.Reply{ViewErrors: map[string]string{"b": "bad"}}, nil
	}
	return &bot.Reply{Text: "ok", View: &slack.ModalViewRequest{Type: slack.VTModal}}, nil
}

func fuzzTransport(panics *bot.Panics) *Transport {
	hc := &http.Client{Transport: refuseAll{}}
	api := slack.New("xoxb-fuzz", slack.OptionAPIURL("http://127.0.0.1:9/"), slack.OptionHTTPClient(hc))
	reg := prometheus.NewRegistry()
	log := slog.New(slog.DiscardHandler)
	out := outbox.New(api, outbox.Options{Attempts: 1}, reg, log)
	t := New(Config{}, api, touchAll{}, out, &testkit.Deduper{}, panics, reg, log)
	t.http = hc
	t.botUserID = "UBOT"
	return t
}

var envelopeSeeds = []string{
	// The submission that used to kill the process: no view at all.
	`{"type":"interactive","envelope_id":"e1","payload":{"type":"view_submission","user":{"id":"U1"}}}`,
	`{"type":"interactive","envelope_id":"e2","payload":{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"incident.open","state":null}}}`,
	`{"type":"interactive","envelope_id":"e3","payload":{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","private_metadata":"{\"c\":1}","state":{"values":{"b":{"a":null}}}}}}`,
	`{"type":"interactive","envelope_id":"e4","payload":{"type":"block_actions","user":{"id":"U1"},"actions":[null]}}`,
	`{"type":"interactive","envelope_id":"e5","payload":{"type":"block_actions","actions":[{"action_id":"incident.ack","value":"INC-1"}]}}`,
	`{"type":"interactive","envelope_id":"e6","payload":{"type":"block_actions","user":null,"channel":null,"container":null,"message":null,"actions":[{}]}}`,
	`{"type":"interactive","envelope_id":"e7","payload":{"type":"view_closed"}}`,
	`{"type":"interactive","envelope_id":"e8","payload":null}`,
	`{"type":"slash_commands","envelope_id":"s1","payload":{"command":"/ops","text":"help","user_id":"U1","channel_id":"C1","response_url":"https://hooks.example/x","trigger_id":"T1"}}`,
	`{"type":"slash_commands","envelope_id":"s2","payload":{}}`,
	`{"type":"slash_commands","envelope_id":"s3","payload":{"command":null,"text":7}}`,
	`{"type":"events_api","envelope_id":"v1","payload":{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention","user":"U1","channel":"C1","text":"<@UBOT> ping","ts":"1.1"}}}`,
	`{"type":"events_api","envelope_id":"v2","payload":{"type":"event_callback","event":{"type":"message","channel_type":"im","user":"U1","channel":"D1","text":"ping"}}}`,
	`{"type":"events_api","envelope_id":"v3","payload":{"type":"event_callback","event":{"type":"app_home_opened","user":"U1","tab":"home"}}}`,
	`{"type":"events_api","envelope_id":"v4","payload":{"type":"event_callback","event":null}}`,
	`{"type":"events_api","envelope_id":"v5","payload":{"type":"event_callback","event":{"type":"app_mention"}}}`,
	`{"type":"events_api","envelope_id":"v6","payload":{"type":"url_verification","challenge":"x"}}`,
	`{"type":"events_api","payload":{}}`,
	`{"type":"interactive"}`,
	`{}`,
	`not json`,
}

// FuzzEnvelope feeds arbitrary envelope JSON through the transport's own
// handling (ack, de-duplication, request building, dispatch, delivery)
// and fails if anything panics, even a panic the transport would recover:
// malformed input must be handled, not survived by luck.
func FuzzEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	reg := prometheus.NewRegistry()
	panics := bot.NewPanics(reg, slog.New(slog.DiscardHandler))
	tr := fuzzTransport(panics)
	f.Fuzz(func(t *testing.T, frame []byte) {
		evt, ok := parseLikeSlackGo(frame)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tr.envelope(ctx, nopAcker{}, evt)
		tr.inflight.Wait()
		if n := recovered(t, reg); n > 0 {
			t.Fatalf("%v panics recovered handling %s", n, frame)
		}
	})
}

func recovered(t *testing.T, g prometheus.Gatherer) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() == "opsbot_panics_total" {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// panicky panics in the handler, as any nil field a domain reaches would.
type panicky struct{ calls chan *bot.Request }

func (p panicky) Dispatch(_ context.Context, req *bot.Request) (*bot.Reply, error) {
	p.calls <- req
	var m map[string]*bot.Reply
	return m["none"], errors.New(m["none"].Text) // nil dereference
}

func TestAPanickingHandlerIsRecoveredCountedAndAnswered(t *testing.T) {
	reg := prometheus.NewRegistry()
	panics := bot.NewPanics(reg, slog.New(slog.DiscardHandler))
	tr := fuzzTransport(panics)
	calls := make(chan *bot.Request, 4)
	tr.router = panicky{calls: calls}
	answered := make(chan string, 4)
	tr.out = outbox.New(recordingAPI{posts: answered}, outbox.Options{Attempts: 1}, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))

	for i, frame := range []string{
		`{"type":"events_api","envelope_id":"p1","payload":{"type":"event_callback","event_id":"Ep1","event":{"type":"app_mention","user":"U1","channel":"C1","text":"<@UBOT> boom","ts":"1.1"}}}`,
		`{"type":"interactive","envelope_id":"p2","payload":{"type":"view_submission","user":{"id":"U1"},"trigger_id":"T2","view":{"id":"V1","callback_id":"x"}}}`,
	} {
		evt, _ := parseLikeSlackGo([]byte(frame))
		tr.envelope(context.Background(), nopAcker{}, evt)
		tr.inflight.Wait()
		<-calls
		if got := recovered(t, reg); got != float64(i+1) {
			t.Fatalf("after envelope %d: %v panics counted, want %d", i+1, got, i+1)
		}
		select {
		case text := <-answered:
			if !strings.Contains(text, "internal error") {
				t.Errorf("person told %q, want internal error", text)
			}
		default:
			t.Errorf("envelope %d: nobody was told", i+1)
		}
	}
}

// recordingAPI records the text of what the outbox posts.
type recordingAPI struct{ posts chan string }

func (r recordingAPI) PostMessageContext(_ context.Context, _ string, opts ...slack.MsgOption) (string, string, error) {
	r.posts <- textOf(opts)
	return "C1", "1.2", nil
}

func (r recordingAPI) PostEphemeralContext(_ context.Context, _, _ string, opts ...slack.MsgOption) (string, error) {
	r.posts <- textOf(opts)
	return "1.3", nil
}

func (r recordingAPI) UpdateMessageContext(context.Context, string, string, ...slack.MsgOption) (string, string, string, error) {
	return "", "", "", nil
}

func (r recordingAPI) UploadFileContext(context.Context, slack.UploadFileParameters) (*slack.FileSummary, error) {
	return &slack.FileSummary{}, nil
}

func textOf(opts []slack.MsgOption) string {
	_, vals, _ := slack.UnsafeApplyMsgOptions("x", "C1", "http://127.0.0.1:9/", opts...)
	return vals.Get("text")
}
