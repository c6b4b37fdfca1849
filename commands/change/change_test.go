package change

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"opsbot/bot"
	"opsbot/commands/actions"
	"opsbot/integrations/sshexec"
)

func unitPid(t *testing.T, e *env) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.ssh.HostDir(), "nginx.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestApprovedChangeRestartsRealProcess(t *testing.T) {
	// given a change restarting nginx on one host, and nginx running
	e := newEnv(t)
	ctx := context.Background()
	c := e.request(t, "restart nginx on web-1 -- roll out config fix")
	if c.ID != "CHG-1" || e.chat.Posts()[0].Channel != "CCHANGES" {
		t.Fatalf("id %s posted to %s", c.ID, e.chat.Posts()[0].Channel)
	}
	if e.runner.calls.Load() != 0 {
		t.Fatal("ran before approval")
	}
	// when bob, an approver, approves
	msg, err := e.svc.Approve(ctx, "chg-1", "UBOB", bot.RoleApprover, "")
	if err != nil {
		t.Fatal(err)
	}
	// then it ran once and a new nginx process is alive
	if !strings.Contains(msg, "succeeded") {
		t.Errorf("reply %q", msg)
	}
	first := unitPid(t, e)
	if err := syscall.Kill(first, 0); err != nil {
		t.Fatalf("restarted process %d is not running: %v", first, err)
	}
	got, _ := e.svc.st.get(ctx, "CHG-1")
	if got.State != StateSucceeded {
		t.Errorf("state %s", got.State)
	}
	if th := e.thread(c.TS); !strings.Contains(th, "web-1") || !strings.Contains(th, "restarted nginx") {
		t.Errorf("thread: %s", th)
	}
	if last := e.lastUpdate(t); !strings.Contains(last.Text, "succeeded") || len(last.Blocks) != 4 {
		t.Errorf("final update %q with %d blocks (buttons must be gone)", last.Text, len(last.Blocks))
	}
	if !e.audit.Has("change.request", "ok") || !e.audit.Has("change.approve", "ok") || !e.audit.Has("change.execute", "succeeded") {
		t.Errorf("audit: %+v", e.audit.Entries())
	}
	// and a second restart replaces the process
	e.request(t, "restart nginx on web-1 — again")
	if _, err := e.svc.Approve(ctx, "CHG-2", "UBOB", bot.RoleApprover, ""); err != nil {
		t.Fatal(err)
	}
	if second := unitPid(t, e); second == first {
		t.Error("pid unchanged after restart")
	}
}

func TestConcurrentApprovalsRunOnce(t *testing.T) {
	e := newEnv(t)
	e.request(t, "restart nginx on web-1 -- once only")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ran := 0
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg, err := e.svc.Approve(context.Background(), "CHG-1", "UAPPROVER"+strconv.Itoa(i), bot.RoleApprover, "")
			if err == nil && strings.Contains(msg, "it ran") {
				mu.Lock()
				ran++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ran != 1 || e.runner.calls.Load() != 1 {
		t.Errorf("%d approvals ran it, RunMany called %d times; want 1", ran, e.runner.calls.Load())
	}
	if calls := e.calls(t); len(calls) != 1 {
		t.Errorf("systemctl ran %d times: %q", len(calls), calls)
	}
}

func TestApprovalRefusals(t *testing.T) {
	tests := []struct {
		name      string
		opts      []option
		user      string
		role      bot.Role
		emergency string
		advance   time.Duration
		want      string
	}{
		{name: "self approval", user: "UALICE", role: bot.RoleAdmin, want: "you requested CHG-1"},
		{name: "not an approver", user: "UBOB", role: bot.RoleOperator, want: "needs the approver role"},
		{name: "expired", user: "UBOB", role: bot.RoleApprover, advance: 2 * time.Hour, want: "expired"},
		{name: "freeze", user: "UBOB", role: bot.RoleApprover, opts: []option{frozen}, want: "changes are frozen (weekend)"},
		{name: "freeze emergency by non-admin", user: "UBOB", role: bot.RoleApprover, emergency: "outage", opts: []option{frozen}, want: "only an admin"},
		{name: "emergency outside freeze", user: "UBOB", role: bot.RoleApprover, emergency: "x", want: "only an admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			e.request(t, "restart nginx on web -- fix")
			e.clock.Add(tt.advance)
			_, err := e.svc.Approve(context.Background(), "CHG-1", tt.user, tt.role, tt.emergency)
			if err == nil || !strings.Contains(bot.UserMessage(err), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if e.runner.calls.Load() != 0 {
				t.Error("it ran")
			}
		})
	}
}

// frozen sets a freeze covering the test clock's Wednesday 10:00.
func frozen(c *Config, _ *actions.Config, _ *sshexec.Config) {
	c.Freezes = []FreezeConfig{{Name: "weekend", Start: "0 9 * * 3", Duration: 2 * time.Hour, TimeZone: "Europe/London"}}
}

func TestEmergencyApprovalDuringFreeze(t *testing.T) {
	e := newEnv(t, frozen, func(c *Config, _ *actions.Config, _ *sshexec.Config) { c.Approvals = 2 })
	e.request(t, "restart nginx on web-1 -- outage")
	msg, err := e.svc.Approve(context.Background(), "CHG-1", "UADMIN", bot.RoleAdmin, "site down")
	if err != nil || !strings.Contains(msg, "succeeded") {
		t.Fatalf("msg %q err %v", msg, err)
	}
}

func TestSweepExpiredAndCancelReject(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.request(t, "restart nginx on web -- one")
	e.request(t, "restart nginx on web -- two")
	e.request(t, "restart nginx on web -- three")
	if _, err := e.svc.Cancel(ctx, "CHG-2", "UBOB", bot.RoleApprover); err == nil {
		t.Error("a stranger cancelled")
	}
	if _, err := e.svc.Cancel(ctx, "CHG-2", "UALICE", bot.RoleOperator); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Reject(ctx, "CHG-3", "UBOB", bot.RoleApprover, "not now"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Approve(ctx, "CHG-3", "UCAROL", bot.RoleApprover, ""); err == nil || !strings.Contains(bot.UserMessage(err), "rejected") {
		t.Errorf("approve after reject: %v", err)
	}
	e.clock.Add(61 * time.Minute)
	n, err := e.svc.SweepExpired(ctx)
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	for id, want := range map[string]string{"CHG-1": StateExpired, "CHG-2": StateCancelled, "CHG-3": StateRejected} {
		c, _ := e.svc.st.get(ctx, id)
		if c.State != want {
			t.Errorf("%s is %s, want %s", id, c.State, want)
		}
	}
	if !strings.Contains(e.lastUpdate(t).Text, "expired") {
		t.Errorf("expired message not updated: %q", e.lastUpdate(t).Text)
	}
}

func TestUnreachableHostFailsOnlyItself(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	e := newEnv(t, func(_ *Config, a *actions.Config, _ *sshexec.Config) {
		a.Hosts = append(a.Hosts[:1], actions.HostConfig{Name: "web-dead", Address: "127.0.0.1", Port: closed, Groups: []string{"web"}, Env: "prod"})
	})
	c := e.request(t, "restart nginx on web -- partial")
	if _, err := e.svc.Approve(context.Background(), c.ID, "UBOB", bot.RoleApprover, ""); err != nil {
		t.Fatal(err)
	}
	got, _ := e.svc.st.get(context.Background(), c.ID)
	th := e.thread(c.TS)
	if got.State != StatePartiallyFailed || !strings.Contains(th, "web-dead* unreachable") || !strings.Contains(th, "restarted nginx") {
		t.Errorf("state %s thread:\n%s", got.State, th)
	}
}

func TestChangedHostKeyIsRefused(t *testing.T) {
	e := newEnv(t, func(_ *Config, a *actions.Config, s *sshexec.Config) {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		key, _ := ssh.NewPublicKey(pub)
		h := a.Hosts[0]
		path := filepath.Join(s.KnownHosts + ".wrong")
		line := knownhosts.Line([]string{knownhosts.Normalize(net.JoinHostPort(h.Address, strconv.Itoa(h.Port)))}, key)
		if err := os.WriteFile(path, []byte(line+"\n"), 0o600); err != nil {
			panic(err)
		}
		s.KnownHosts = path
	})
	c := e.request(t, "restart nginx on web-1 -- key test")
	if _, err := e.svc.Approve(context.Background(), c.ID, "UBOB", bot.RoleApprover, ""); err != nil {
		t.Fatal(err)
	}
	th := e.thread(c.TS)
	if !strings.Contains(th, "host_key") || !strings.Contains(th, "SHA256:") {
		t.Errorf("thread does not show the host key error:\n%s", th)
	}
	if len(e.calls(t)) != 0 {
		t.Error("the command ran on a host with a changed key")
	}
}

func TestTimeoutKillsAndReports(t *testing.T) {
	e := newEnv(t, func(_ *Config, _ *actions.Config, s *sshexec.Config) { s.CommandTimeout = 500 * time.Millisecond })
	c := e.request(t, "hang on web-1 -- timeout")
	if _, err := e.svc.Approve(context.Background(), c.ID, "UBOB", bot.RoleApprover, ""); err != nil {
		t.Fatal(err)
	}
	got, _ := e.svc.st.get(context.Background(), c.ID)
	if got.State != StateFailed || !strings.Contains(e.thread(c.TS), "timeout") {
		t.Errorf("state %s thread %s", got.State, e.thread(c.TS))
	}
}

func TestRequestRefusesBadInputBeforeSSH(t *testing.T) {
	e := newEnv(t)
	for _, text := range []string{"restart postgres on web -- x", "restart nginx on web-9 -- x", "restart 'nginx;reboot' on web -- x",
		"restart nginx on web", "restart nginx web -- x", "nuke all on web -- x"} {
		r, err := ParseRequest(text)
		if err == nil {
			_, err = e.svc.Request(context.Background(), r, "UALICE", bot.RoleOperator, "C1")
		}
		if err == nil {
			t.Errorf("%q accepted", text)
		}
	}
	if e.runner.calls.Load() != 0 || len(e.chat.Posts()) != 0 {
		t.Error("a refused request reached SSH or chat")
	}
}
