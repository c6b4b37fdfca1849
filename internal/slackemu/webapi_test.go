package slackemu

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

var tsRE = regexp.MustCompile(`^\d{10}\.\d{6}$`)

// slackErr returns the Slack error code of err, or "".
func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

func TestAuthTest(t *testing.T) {
	srv := newTestServer(t)
	resp, err := newAPI(t, srv, srv.BotToken()).AuthTest()
	if err != nil {
		t.Fatal(err)
	}
	if resp.UserID != BotUserID || resp.TeamID != TeamID || resp.BotID != BotID || resp.User != BotName {
		t.Fatalf("auth.test = %+v", resp)
	}
}

func TestTokenChecks(t *testing.T) {
	srv := newTestServer(t)
	revoked := New() // a second workspace whose bot token is revoked
	t.Cleanup(revoked.Close)
	tests := []struct {
		name string
		call func(t *testing.T) error
		want string
	}{
		{"wrong token", func(t *testing.T) error {
			_, err := newAPI(t, srv, "xoxb-wrong").AuthTest()
			return err
		}, "invalid_auth"},
		{"no token", func(t *testing.T) error {
			_, err := newAPI(t, srv, "").AuthTest()
			return err
		}, "not_authed"},
		{"app token for chat.postMessage", func(t *testing.T) error {
			_, _, err := newAPI(t, srv, srv.AppToken()).PostMessage("C1", slack.MsgOptionText("hi", false))
			return err
		}, "not_allowed_token_type"},
		{"bot token for apps.connections.open", func(t *testing.T) error {
			api := slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(srv.BotToken()))
			_, _, err := api.StartSocketModeContext(testCtx(t))
			return err
		}, "not_allowed_token_type"},
		{"app token in the form, not as Bearer", func(t *testing.T) error {
			resp, err := http.PostForm(srv.APIURL()+"apps.connections.open", url.Values{"token": {srv.AppToken()}})
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var r slack.SlackResponse
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
				return err
			}
			return r.Err()
		}, "not_authed"},
		{"revoked token", func(t *testing.T) error {
			revoked.SetTokenRevoked(revoked.BotToken(), true)
			_, err := newAPI(t, revoked, revoked.BotToken()).AuthTest()
			return err
		}, "token_revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slackErr(tt.call(t)); got != tt.want {
				t.Fatalf("error = %q, want %q", got, tt.want)
			}
		})
	}
	revoked.SetTokenRevoked(revoked.BotToken(), false)
	if _, err := newAPI(t, revoked, revoked.BotToken()).AuthTest(); err != nil {
		t.Fatalf("token restored: %v", err)
	}
}

func TestAppsConnectionsOpen(t *testing.T) {
	srv := newTestServer(t)
	_, wsURL, err := newAPI(t, srv, srv.BotToken()).StartSocketModeContext(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(wsURL, "ws://"+strings.TrimPrefix(srv.URL(), "http://")+"/link/?ticket=") {
		t.Fatalf("url = %q", wsURL)
	}
}

// rawCall posts a form to the Web API without slack-go.
func rawCall(t *testing.T, srv *Server, method string, form url.Values, contentType, body string) string {
	t.Helper()
	if form != nil {
		body, contentType = form.Encode(), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodPost, srv.APIURL()+method, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+srv.BotToken())
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestRawRequests(t *testing.T) {
	srv := newTestServer(t)
	tests := []struct {
		name, method, ctype, body string
		form                      url.Values
		want                      string
	}{
		{"unknown method", "chat.frobnicate", "", "", url.Values{}, `{"ok":false,"error":"unknown_method"}`},
		{"JSON body", "chat.postMessage", "application/json; charset=utf-8",
			`{"channel":"C2","text":"json","blocks":[{"type":"divider","block_id":"d1"}]}`, nil, `"ok":true`},
		{"token in form", "auth.test", "", "", url.Values{"token": {srv.BotToken()}}, `"user_id":"UBOT"`},
		{"malformed JSON", "chat.postMessage", "application/json", `{"channel":`, nil, `"error":"invalid_form_data"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rawCall(t, srv, tt.method, tt.form, tt.ctype, tt.body); !strings.Contains(got, tt.want) {
				t.Fatalf("answer %s lacks %s", got, tt.want)
			}
		})
	}
	msgs := srv.Messages("C2")
	if len(msgs) != 1 || msgs[0].Text != "json" || string(msgs[0].Blocks) != `[{"type":"divider","block_id":"d1"}]` {
		t.Fatalf("JSON post stored %+v", msgs)
	}
}

func TestCallsAreRecorded(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	_, _, _ = api.PostMessage("C1", slack.MsgOptionText("one", false))
	_, _, _ = api.PostMessage("C999", slack.MsgOptionText("two", false))
	calls := srv.CallsTo("chat.postMessage")
	if len(calls) != 2 {
		t.Fatalf("recorded %d calls", len(calls))
	}
	if calls[0].Status != 200 || calls[0].Error != "" || calls[0].Params.Get("text") != "one" {
		t.Fatalf("first call = %+v", calls[0])
	}
	if calls[1].Error != "channel_not_found" || calls[1].Params.Get("channel") != "C999" {
		t.Fatalf("second call = %+v", calls[1])
	}
	for _, c := range srv.Calls() {
		if c.Params.Has("token") {
			t.Fatalf("call %s kept the token", c.Method)
		}
	}
}
