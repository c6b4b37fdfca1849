package change

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/commands/actions"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/integrations/sshexec"
	"opsbot/integrations/sshexec/sshtest"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

func TestMain(m *testing.M) {
	// Tests that stop Redis would print go-redis' line per failed dial.
	redis.SetLogger(redisstore.QuietDialLogger{W: os.Stderr})
	goleak.VerifyTestMain(m)
}

// countingRunner counts RunMany calls on the real executor.
type countingRunner struct {
	actions.Runner
	calls atomic.Int32
}

func (r *countingRunner) RunMany(ctx context.Context, t []sshexec.Target, cmd sshexec.Command, o sshexec.FanoutOptions) sshexec.FanoutResult {
	r.calls.Add(1)
	return r.Runner.RunMany(ctx, t, cmd, o)
}

// env is a desk wired to a real redis-server and real sshd hosts.
type env struct {
	svc    *Service
	chat   *testkit.Chat
	audit  *testkit.Audit
	runner *countingRunner
	clock  *testkit.Clock
	ssh    *sshtest.Server
	cat    *actions.Catalogue
	// loop runs the desk's steps on the test clock; call Tick.
	loop  *loop.Loop
	store *redisstore.Store
	// reg holds the desk's metrics.
	reg *prometheus.Registry
	// redis is the server behind store, to stop and restart.
	redis *redistest.Server
}

// systemctl is a unit-like fake: restart stops the unit's process (a
// sleep) and starts a new one, recording its pid; every call is logged.
const systemctl = `#!/bin/sh
dir=$(dirname "$0")/..
echo "$@" >> "$dir/calls"
case "$1" in
restart)
  [ -f "$dir/$2.pid" ] && kill "$(cat "$dir/$2.pid")" 2>/dev/null
  nohup sleep 60 >/dev/null 2>&1 </dev/null &
  echo $! > "$dir/$2.pid"
  echo "restarted $2 (pid $!)";;
hang) sleep 30;;
slow) touch "$dir/slow.started"; sleep 2; echo "slow work done";;
shout) echo "<!here> & <https://evil.example|x>";;
spew) i=0; while [ $i -lt 400 ]; do echo "line $i of a long report"; i=$((i+1)); done;;
*) echo "unknown verb $1" >&2; exit 2;;
esac
`

type option func(*Config, *actions.Config, *sshexec.Config)

func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	rs := redistest.Start(t)
	srv := sshtest.Start(t, sshtest.LoopbackRange(11, 3))
	path, err := srv.WriteScript("systemctl", systemctl)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killUnits(srv.HostDir()) })
	acfg := actions.Config{
		Groups: map[string]actions.GroupConfig{"web": {Services: []string{"nginx"}}},
		Actions: map[string]actions.ActionConfig{
			"restart": {Argv: []string{path, "restart", "{unit}"}, Params: map[string]actions.ParamConfig{"unit": {Type: "service"}}, Risk: "high", Approval: map[string]bool{"*": true}},
			"hang":    {Argv: []string{path, "hang"}, Risk: "low"},
			"spew":    {Argv: []string{path, "spew"}, Risk: "low"},
			"slow":    {Argv: []string{path, "slow"}, Risk: "low"},
			"shout":   {Argv: []string{path, "shout"}, Risk: "low"},
		},
	}
	for i, h := range srv.Hosts() {
		acfg.Hosts = append(acfg.Hosts, actions.HostConfig{Name: fmt.Sprintf("web-%d", i+1), Address: h.IP, Port: h.Port, Groups: []string{"web"}, Env: "prod"})
	}
	scfg := sshexec.Config{KnownHosts: srv.KnownHostsFile(), KeyFile: srv.ClientKeyFile(), User: srv.User(), CommandTimeout: 20 * time.Second}
	ccfg := Config{Channel: "CCHANGES", Expiry: time.Hour}
	for _, o := range opts {
		o(&ccfg, &acfg, &scfg)
	}
	cat, err := actions.New(acfg)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := sshexec.New(scfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	e := &env{chat: testkit.NewChat(), audit: &testkit.Audit{}, runner: &countingRunner{Runner: ex}, clock: testkit.NewClock(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)), ssh: srv, cat: cat,
		reg: prometheus.NewRegistry(), redis: rs}
	e.store = redisstore.New(rs.Client(t), "opsbot")
	e.loop = e.newLoop(t)
	e.svc, err = New(ccfg, Deps{Store: e.store, Chat: e.chat, Runner: e.runner, Resolver: cat, Actions: cat,
		Audit: e.audit, Steps: e.loop, Clock: e.clock.Now, Metrics: e.reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.svc.Wait)
	testkit.Steps(t, e.loop.Handle, e.svc)
	return e
}

// thread returns the text of every post in the thread of message ts, one
// a line.
func (e *env) thread(ts string) string {
	var b strings.Builder
	for _, p := range e.chat.Thread(ts) {
		b.WriteString(p.Msg.Text + "\n")
	}
	return b.String()
}

// lastUpdate is the desk's latest update of a message.
func (e *env) lastUpdate(t *testing.T) bot.Message {
	t.Helper()
	ups := e.chat.Updates()
	if len(ups) == 0 {
		t.Fatal("no message was updated")
	}
	return ups[len(ups)-1].Msg
}

// started reports whether the slow command has begun on a host.
func (e *env) started(name string) bool {
	_, err := os.Stat(e.ssh.HostDir() + "/" + name + ".started")
	return err == nil
}

// settle waits for the runs in flight, without closing the desk.
func (e *env) settle() { e.svc.runs.Wait() }

// newLoop is a step loop on the env's Redis and clock, like another
// replica's; the desk's steps must be registered on it to run.
func (e *env) newLoop(t *testing.T) *loop.Loop {
	t.Helper()
	return loop.New(e.store, loop.Options{Clock: e.clock.Now})
}

func killUnits(dir string) {
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".pid") {
			b, _ := os.ReadFile(dir + "/" + f.Name())
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				if p, err := os.FindProcess(pid); err == nil {
					p.Kill()
				}
			}
		}
	}
}

// request submits "restart nginx on sel" as alice (an operator).
func (e *env) request(t *testing.T, text string) *Change {
	t.Helper()
	r, err := ParseRequest(text)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.Request(context.Background(), r, "UALICE", bot.RoleOperator, "CGENERAL")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) calls(t *testing.T) []string {
	b, err := os.ReadFile(e.ssh.HostDir() + "/calls")
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// blockText flattens blocks to JSON text for assertions.
func blockText[B any](blocks []B) string {
	b, _ := json.Marshal(blocks)
	return string(b)
}
