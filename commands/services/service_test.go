package services

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/commands/actions"
	"opsbot/commands/change"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/integrations/sshexec"
	"opsbot/integrations/sshexec/sshtest"
	"opsbot/integrations/testenv"
	"opsbot/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type countingRunner struct {
	actions.Runner
	calls atomic.Int32
}

func (r *countingRunner) RunMany(ctx context.Context, t []sshexec.Target, cmd sshexec.Command, o sshexec.FanoutOptions) sshexec.FanoutResult {
	r.calls.Add(1)
	return r.Runner.RunMany(ctx, t, cmd, o)
}

const tools = `#!/bin/sh
dir=$(dirname "$0")/..
echo "$(basename "$0") $@" >> "$dir/calls"
case "$(basename "$0") $1" in
"systemctl status") echo "$2.service - active (running) <!here>";;
"systemctl restart") [ "$2" = slow ] && { touch "$dir/slow.started"; sleep 2; }; echo "restarted $2";;
"journalctl -u") i=0; while [ $i -lt "$4" ]; do echo "line $i of the $2 journal, padded to be long enough"; i=$((i+1)); done;;
*) echo "unknown $*" >&2; exit 2;;
esac
`

type env struct {
	svc    *Service
	router *bot.Router
	chat   *testkit.Chat
	runner *countingRunner
	dir    string
}

func newEnv(t testing.TB) *env { return newEnvN(t, 3) }

// envOptions change what newEnvWith wires.
type envOptions struct {
	// runner wraps the executor (nil: counted only).
	runner func(actions.Runner) actions.Runner
	panics *bot.Panics
}

// newEnvN serves n hosts: web-1..web-n; the last is prod, the rest staging.
func newEnvN(t testing.TB, n int) *env { return newEnvWith(t, n, envOptions{}) }

func newEnvWith(t testing.TB, n int, opts envOptions) *env {
	t.Helper()
	srv := sshtest.Start(t, sshtest.LoopbackRange(21, n))
	sysctl, err := srv.WriteScript("systemctl", tools)
	if err != nil {
		t.Fatal(err)
	}
	journal, err := srv.WriteScript("journalctl", tools)
	if err != nil {
		t.Fatal(err)
	}
	min1, max1000 := 1, 1000
	acfg := actions.Config{
		Groups: map[string]actions.GroupConfig{"web": {Services: []string{"nginx", "slow"}}},
		Actions: map[string]actions.ActionConfig{
			"status":  {Argv: []string{sysctl, "status", "{unit}"}, Params: map[string]actions.ParamConfig{"unit": {Type: "service"}}, Risk: "low", Role: "viewer"},
			"logs":    {Argv: []string{journal, "-u", "{unit}", "-n", "{lines}"}, Risk: "low", Role: "responder", Params: map[string]actions.ParamConfig{"unit": {Type: "service"}, "lines": {Type: "int", Min: &min1, Max: &max1000, Default: "100"}}},
			"restart": {Argv: []string{sysctl, "restart", "{unit}"}, Params: map[string]actions.ParamConfig{"unit": {Type: "service"}}, Risk: "high", Approval: map[string]bool{"prod": true, "staging": false}},
		},
	}
	for i, h := range srv.Hosts() {
		envName := "staging"
		if i == n-1 {
			envName = "prod"
		}
		acfg.Hosts = append(acfg.Hosts, actions.HostConfig{Name: fmt.Sprintf("web-%d", i+1), Address: h.IP, Port: h.Port, Groups: []string{"web"}, Env: envName})
	}
	cat, err := actions.New(acfg)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := sshexec.New(sshexec.Config{KnownHosts: srv.KnownHostsFile(), KeyFile: srv.ClientKeyFile(), User: srv.User()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	var runner actions.Runner = ex
	if opts.runner != nil {
		runner = opts.runner(ex)
	}
	e := &env{chat: testkit.NewChat(), runner: &countingRunner{Runner: runner}, dir: srv.HostDir()}
	rs := redistest.Start(t)
	changes, err := change.New(change.Config{Channel: "CCHANGES"}, change.Deps{Store: redisstore.New(rs.Client(t), "opsbot"), Chat: e.chat, Runner: e.runner, Resolver: cat,
		Actions: cat, Audit: &testkit.Audit{}, Clock: func() time.Time { return time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	e.svc, err = New(Config{}, Deps{Chat: e.chat, Runner: e.runner, Resolver: cat, Actions: cat, Changes: changes, Audit: &testkit.Audit{}, Panics: opts.panics})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.svc.Wait)
	e.router = testkit.Router(t, map[string]string{"UOP": "operator", "UVIEW": "viewer", "URESP": "responder"}, e.svc)
	return e
}

func (e *env) send(user, text string) (*bot.Reply, error) {
	return e.router.Dispatch(context.Background(), &bot.Request{UserID: user, Channel: "COPS", Text: text})
}

func (e *env) calls(t testing.TB) int {
	b, err := os.ReadFile(e.dir + "/calls")
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

func TestRestartAllowedRunsAtOnceWithProgress(t *testing.T) {
	e := newEnv(t)
	rep, err := e.send("UOP", "service restart nginx on env=staging")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Text, "nginx restart: 2/2 hosts, 0 failed · succeeded") {
		t.Errorf("reply: %s", rep.Text)
	}
	posts, updates := e.chat.Posts(), e.chat.Updates()
	if posts[0].Msg.Text != "nginx restart: 0/2 hosts, 0 failed" || !strings.Contains(updates[0].Msg.Text, "nginx restart: 1/2 hosts, 0 failed") {
		t.Errorf("progress: %q then %q", posts[0].Msg.Text, updates[0].Msg.Text)
	}
	out := posts[1]
	if out.Thread != posts[0].TS || !strings.Contains(out.Msg.Text, "*web-1*") || !strings.Contains(out.Msg.Text, "*web-2*") || !strings.Contains(out.Msg.Text, "restarted nginx") {
		t.Errorf("thread output: %+v", out)
	}
	if n := e.calls(t); n != 2 {
		t.Errorf("systemctl ran %d times, want 2", n)
	}
}

func TestRestartNeedingApprovalFilesChange(t *testing.T) {
	e := newEnv(t)
	rep, err := e.send("UOP", "service restart nginx on web -- config change")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Text, "filed CHG-1") || e.runner.calls.Load() != 0 {
		t.Errorf("reply %q, runs %d", rep.Text, e.runner.calls.Load())
	}
	if posts := e.chat.Posts(); len(posts) != 1 || posts[0].Channel != "CCHANGES" {
		t.Errorf("change not posted to the changes channel: %+v", posts)
	}
}

func TestLogsLongOutputIsUploaded(t *testing.T) {
	e := newEnv(t)
	rep, err := e.send("URESP", "service logs nginx on web-1 500")
	if err != nil {
		t.Fatal(err)
	}
	uploads := e.chat.Uploads()
	if len(uploads) != 1 || !strings.Contains(string(uploads[0].File.Content), "line 499 of the nginx journal") {
		t.Fatalf("uploads: %d, reply %s", len(uploads), rep.Text)
	}
	// and the thread says where the output went, without repeating it
	posts := e.chat.Posts()
	note := posts[len(posts)-1]
	if note.Thread != posts[0].TS || !strings.Contains(note.Msg.Text, "nginx logs output is long") || !strings.Contains(note.Msg.Text, "attached as nginx-logs.txt") {
		t.Errorf("note in the thread: %+v", note)
	}
}

func TestRefusedBeforeSSH(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ user, text, want string }{
		{"UVIEW", "service restart nginx on env=staging", "needs the operator role"},
		{"URESP", "service logs nginx on web", "matches 3 hosts"},
		{"URESP", "service logs nginx on web-1 5000", "from 1 to 1000"},
		{"UVIEW", "service status 'nginx;id' on web", "not a service name"},
		{"UVIEW", "service status mysql on web", "does not run mysql"},
		{"UVIEW", "service status nginx on web-7", "did you mean"},
		{"UVIEW", "service status nginx", "write `service status"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			_, err := e.send(tt.user, tt.text)
			if err == nil || !strings.Contains(bot.UserMessage(err), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if e.runner.calls.Load() != 0 {
		t.Error("a refused command reached SSH")
	}
}

func TestStatus(t *testing.T) {
	e := newEnv(t)
	if _, err := e.send("UVIEW", "service status nginx on web"); err != nil {
		t.Fatal(err)
	}
	if got := e.chat.Posts()[1].Msg.Text; strings.Count(got, "nginx.service - active (running)") != 3 {
		t.Errorf("thread: %s", got)
	}
	// what the hosts print reaches Slack as text, never as a mention
	if got := e.chat.Posts()[1].Msg.Text; strings.Contains(got, "<!here>") || strings.Count(got, "&lt;!here&gt;") != 3 {
		t.Errorf("output is not escaped: %s", got)
	}
}

func TestRestartOutlivesTheRequest(t *testing.T) {
	// given a restart that takes a while, asked for by a request whose
	// context ends while it runs (a stop's drain over)
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	replied := make(chan *bot.Reply, 1)
	go func() {
		rep, err := e.router.Dispatch(ctx, &bot.Request{UserID: "UOP", Channel: "COPS", Text: "service restart slow on web-1"})
		if err != nil {
			rep = &bot.Reply{Text: "error: " + err.Error()}
		}
		replied <- rep
	}()
	testenv.Eventually(t, 10*time.Second, func() bool {
		_, err := os.Stat(e.dir + "/slow.started")
		return err == nil
	}, "the restart to start")
	cancel()
	// then the requester hears it still runs, and a stop waits for it to end
	if rep := <-replied; !strings.Contains(rep.Text, "slow restart is still running") {
		t.Errorf("reply: %s", rep.Text)
	}
	e.svc.Wait()
	updates, posts := e.chat.Updates(), e.chat.Posts()
	last := updates[len(updates)-1].Msg.Text
	out := posts[len(posts)-1].Msg.Text
	if !strings.Contains(last, "slow restart: 1/1 hosts, 0 failed · succeeded") || !strings.Contains(out, "restarted slow") {
		t.Errorf("progress %q, output %q", last, out)
	}
}

// panicRunner is a runner with a bug.
type panicRunner struct{}

func (panicRunner) RunMany(context.Context, []sshexec.Target, sshexec.Command, sshexec.FanoutOptions) sshexec.FanoutResult {
	panic("a bug in the runner")
}

func TestRunThatPanicsIsRecovered(t *testing.T) {
	reg := prometheus.NewRegistry()
	p := bot.NewPanics(reg, slog.New(slog.DiscardHandler))
	e := newEnvWith(t, 3, envOptions{panics: p, runner: func(actions.Runner) actions.Runner { return panicRunner{} }})
	rep, err := e.send("UOP", "service restart nginx on env=staging")
	if err != nil || !strings.Contains(rep.Text, "nginx restart stopped on an internal error") {
		t.Fatalf("reply %+v %v", rep, err)
	}
	var m dto.Metric
	if err := p.Counter("service.run").Write(&m); err != nil || m.GetCounter().GetValue() != 1 {
		t.Errorf("opsbot_panics_total{where=service.run} = %v (%v)", m.GetCounter().GetValue(), err)
	}
}
