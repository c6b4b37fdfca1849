package runbook

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/commands/actions"
	"opsbot/commands/change"
	"opsbot/commands/incident"
	"opsbot/integrations/sshexec"
	"opsbot/integrations/sshexec/sshtest"
	"opsbot/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// backup is a backup wrapper as a host would have it: it writes a dump
// named by its tag into the host's directory, or fails for tag "broken".
const backup = `#!/bin/sh
dir=$(dirname "$0")/..
if [ "$1" = broken ]; then echo "restic: repository locked" >&2; exit 3; fi
echo "snapshot of /srv saved" > "$dir/backup-$1-$(hostname)-$$"
echo "snapshot $1 saved"
`

// env is the runbooks on real sshd hosts, with fakes for the desks.
type env struct {
	ssh       *sshtest.Server
	cat       *actions.Catalogue
	ex        *sshexec.Executor
	chat      *testkit.Chat
	audit     *testkit.Audit
	changes   *fakeChanges
	incidents *fakeIncidents
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := sshtest.Start(t, sshtest.LoopbackRange(231, 2))
	path, err := srv.WriteScript("opsbot-backup", backup)
	if err != nil {
		t.Fatal(err)
	}
	acfg := actions.Config{
		Groups: map[string]actions.GroupConfig{"db": {}},
		Actions: map[string]actions.ActionConfig{
			"backup":  {Argv: []string{path, "{tag}"}, Params: map[string]actions.ParamConfig{"tag": {Type: "word", Default: "nightly"}}, Risk: "low"},
			"restart": {Argv: []string{"systemctl", "restart", "{unit}"}, Params: map[string]actions.ParamConfig{"unit": {Type: "word"}}, Approval: map[string]bool{"prod": true}},
		},
	}
	for i, h := range srv.Hosts() {
		acfg.Hosts = append(acfg.Hosts, actions.HostConfig{Name: fmt.Sprintf("db-%d", i+1), Address: h.IP, Port: h.Port, Groups: []string{"db"}, Env: "prod"})
	}
	cat, err := actions.New(acfg)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := sshexec.New(sshexec.Config{KnownHosts: srv.KnownHostsFile(), KeyFile: srv.ClientKeyFile(), User: srv.User(), CommandTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	return &env{ssh: srv, cat: cat, ex: ex, chat: testkit.NewChat(), audit: &testkit.Audit{}, changes: &fakeChanges{}, incidents: &fakeIncidents{}}
}

func (e *env) service(t *testing.T, cfg Config) *Service {
	t.Helper()
	s, err := New(context.Background(), cfg, Deps{Catalogue: e.cat, Runner: e.ex, Chat: e.chat, Audit: e.audit, Changes: e.changes, Incidents: e.incidents})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func nightly(values map[string]string) Runbook {
	return Runbook{Name: "nightly-backup", Schedule: "0 2 * * *", Zone: "Europe/Berlin", Action: "backup", Values: values,
		Target: "db", Channel: "C0DBA", Owner: "S0DBA", Approval: ApprovalNone, Incident: "sev3"}
}

// thread is every post in the thread of ts, one a line.
func (e *env) thread(ts string) string {
	var b strings.Builder
	for _, p := range e.chat.Thread(ts) {
		b.WriteString(p.Msg.Text + "\n")
	}
	return b.String()
}

// A runbook is a job that runs its action on every host its target
// selects, over real sshd: one progress message in its channel ending
// "succeeded", the per-host report in its thread, the run in the audit
// trail, and the work done on each host.
func TestRunbookRunsOnRealHosts(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, Config{nightly(nil)})
	jobs := s.Jobs()
	if len(jobs) != 1 || jobs[0].Name != "nightly-backup" || jobs[0].Schedule != "0 2 * * *" || jobs[0].Zone != "Europe/Berlin" || jobs[0].Timeout != DefaultTimeout {
		t.Fatalf("jobs = %+v", jobs)
	}

	if err := jobs[0].Run(context.Background(), bot.JobRun{Due: time.Now()}); err != nil {
		t.Fatal(err)
	}

	posts := e.chat.Posted("C0DBA")
	if len(posts) == 0 {
		t.Fatal("nothing posted in the runbook's channel")
	}
	progress := e.chat.Last("C0DBA", posts[0].TS).Text
	if !strings.Contains(progress, "runbook nightly-backup: 2/2 hosts, 0 failed · succeeded") {
		t.Errorf("progress message = %q", progress)
	}
	report := e.thread(posts[0].TS)
	for _, want := range []string{":white_check_mark: *db-1*", ":white_check_mark: *db-2*", "snapshot nightly saved"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "please have a look") || len(e.incidents.opened()) > 0 {
		t.Errorf("a run that succeeded called its owner or opened an incident:\n%s", report)
	}
	dumps, _ := filepath.Glob(filepath.Join(e.ssh.HostDir(), "backup-nightly-*"))
	if len(dumps) != 2 {
		t.Errorf("%d dumps written, want one per host: %v", len(dumps), dumps)
	}
	var audited []string
	for _, a := range e.audit.Entries() {
		audited = append(audited, a.User+" "+a.Action+" "+a.Outcome)
	}
	if got := strings.Join(audited, "; "); got != "opsbot runbook.nightly-backup started; opsbot runbook.nightly-backup succeeded" {
		t.Errorf("audit = %s", got)
	}
}

// A run that fails mentions the runbook's owner in the run's thread and
// opens the incident it asks for, and the job fails with the reason; a
// run by hand is audited under who ran it.
func TestFailingRunbookMentionsItsOwner(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, Config{nightly(map[string]string{"tag": "broken"})})

	err := s.Jobs()[0].Run(context.Background(), bot.JobRun{Due: time.Now(), By: "U0ADMIN"})

	if err == nil || !strings.Contains(err.Error(), "runbook nightly-backup failed: 0 succeeded, 2 failed") {
		t.Errorf("job error = %v", err)
	}
	posts := e.chat.Posted("C0DBA")
	if len(posts) == 0 {
		t.Fatal("nothing posted")
	}
	thread := e.thread(posts[0].TS)
	if !strings.Contains(thread, "restic: repository locked") {
		t.Errorf("the hosts' error is not in the thread:\n%s", thread)
	}
	if !strings.Contains(thread, ":x: Runbook *nightly-backup* failed (0 succeeded, 2 failed") || !strings.Contains(thread, "<!subteam^S0DBA>, please have a look.") {
		t.Errorf("the owner is not told in the thread:\n%s", thread)
	}
	opened := e.incidents.opened()
	if len(opened) != 1 || opened[0].Severity != 3 || opened[0].Title != "Runbook nightly-backup failed" || opened[0].Services != "db-1, db-2" || opened[0].Channel != "C0DBA" {
		t.Fatalf("incidents opened = %+v", opened)
	}
	if !strings.Contains(thread, "I opened INC-1 for it.") {
		t.Errorf("the thread does not name the incident:\n%s", thread)
	}
	if a := e.audit.Entries(); len(a) != 2 || a[0].User != "U0ADMIN" || a[1].Outcome != "failed" {
		t.Errorf("audit = %+v", a)
	}
}

// With approval: change, each occurrence files a change request (as
// opsbot, so anyone may approve it) instead of running, and says so in
// the runbook's channel; nothing runs on the hosts.
func TestRunbookWithApprovalFilesAChange(t *testing.T) {
	e := newEnv(t)
	rb := Runbook{Name: "weekly-restart", Schedule: "0 3 * * 0", Action: "restart", Values: map[string]string{"unit": "pgbouncer"},
		Target: "db-1", Channel: "C0DBA", Owner: "@dba", Approval: ApprovalChange}
	s := e.service(t, Config{rb})

	if err := s.Jobs()[0].Run(context.Background(), bot.JobRun{Due: time.Date(2026, 3, 8, 3, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}

	reqs := e.changes.requests()
	if len(reqs) != 1 || reqs[0].r.Action != "restart" || reqs[0].r.Named["unit"] != "pgbouncer" || reqs[0].r.Selector != "db-1" ||
		reqs[0].user != Requester || reqs[0].channel != "C0DBA" || !strings.Contains(reqs[0].r.Reason, "scheduled runbook weekly-restart (due 2026-03-08 03:00 UTC)") {
		t.Fatalf("change requests = %+v", reqs)
	}
	if p := e.chat.Posted("C0DBA"); len(p) != 1 || !strings.Contains(p[0].Msg.Text, "filed CHG-9") || !strings.Contains(p[0].Msg.Text, "owner: @dba") {
		t.Errorf("posts = %+v", p)
	}
	if len(e.audit.Entries()) != 0 {
		t.Errorf("something ran: %+v", e.audit.Entries())
	}

	e.changes.fail = bot.Errorf(bot.CodeUnavailable, "the state store is unavailable, try again in a moment")
	err := s.Jobs()[0].Run(context.Background(), bot.JobRun{Due: time.Now()})
	if err == nil {
		t.Fatal("a change request that could not be filed did not fail the job")
	}
	p := e.chat.Posted("C0DBA")
	if last := p[len(p)-1].Msg.Text; !strings.Contains(last, "could not file its change request: the state store is unavailable") || !strings.Contains(last, "@dba, please have a look") {
		t.Errorf("failure notice = %q", last)
	}
}

// A runbook whose action, target or values the catalogue refuses, or
// that would skip the approval its action needs, is a config error
// naming the runbook's key, not a surprise at its first run.
func TestRunbookConfigIsCheckedAgainstTheCatalogue(t *testing.T) {
	e := newEnv(t)
	bad := func(f func(*Runbook)) Runbook { rb := nightly(nil); f(&rb); return rb }
	for _, tc := range []struct {
		rb   Runbook
		want string
	}{
		{bad(func(r *Runbook) { r.Action = "bakup" }), `[0].action: there is no action "bakup"; actions: backup, restart`},
		{bad(func(r *Runbook) { r.Target = "dbb" }), "[0].target: no host or group is called `dbb`; did you mean db"},
		{bad(func(r *Runbook) { r.Target = "role=web" }), "[0].target: no host matches `role=web`"},
		{bad(func(r *Runbook) { r.Values = map[string]string{"tag": "a;b"} }), "[0].values: tag must be a single word"},
		{bad(func(r *Runbook) { r.Values = map[string]string{"retention": "7"} }), `[0].values: backup has no parameter "retention"`},
		{bad(func(r *Runbook) { r.Action, r.Values = "restart", map[string]string{"unit": "pgbouncer"} }), "[0].approval: restart must be approved on hosts in prod, so the runbook needs approval: change"},
	} {
		errs := Config{tc.rb}.Check(context.Background(), e.cat)
		if err := errors.Join(errs...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.rb, err, tc.want)
		}
		if _, err := New(context.Background(), Config{tc.rb}, Deps{Catalogue: e.cat, Runner: e.ex, Chat: e.chat, Audit: e.audit}); err == nil {
			t.Errorf("%+v: New accepted it", tc.rb)
		}
	}
	if errs := (Config{nightly(nil)}).Check(context.Background(), e.cat); len(errs) > 0 {
		t.Errorf("a good runbook: %v", errs)
	}
}

func TestRunbookConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		rb   Runbook
		want string
	}{
		{Runbook{Name: "Nightly Backup"}, "[0].name: \"Nightly Backup\": use lower-case letters"},
		{Runbook{Name: "x"}, "[0].schedule: say when it runs"},
		{Runbook{Name: "x", Schedule: "nightly"}, "[0].schedule: schedule \"nightly\""},
		{Runbook{Name: "x", Schedule: "@daily", Zone: "Berlin"}, "[0].zone: zone \"Berlin\""},
		{Runbook{Name: "x", Schedule: "@daily"}, "[0].action: is required"},
		{Runbook{Name: "x", Schedule: "@daily"}, "[0].owner: say who is told of a failure"},
		{Runbook{Name: "x", Schedule: "@daily", Approval: "always"}, "[0].approval: \"always\": use none or change"},
		{Runbook{Name: "x", Schedule: "@daily"}, "[0].approval: say none"},
		{Runbook{Name: "x", Schedule: "@daily", Incident: "high"}, "[0].incident: \"high\" is not a severity"},
	} {
		if err := errors.Join(Config{tc.rb}.Validate()...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.rb, err, tc.want)
		}
	}
	two := Config{nightly(nil), nightly(nil)}
	if err := errors.Join(two.Validate()...); err == nil || !strings.Contains(err.Error(), `[1].name: "nightly-backup" is the name of runbook [0] too`) {
		t.Errorf("two of one name: %v", err)
	}
}

func TestOwnerRef(t *testing.T) {
	for in, want := range map[string]string{"S0DBA": "<!subteam^S0DBA>", "@S0DBA": "<!subteam^S0DBA>", "U0ALICE": "<@U0ALICE>",
		"@dba": "@dba", "dba-team": "@dba-team", "Sales": "@Sales"} {
		if got := ownerRef(in); got != want {
			t.Errorf("ownerRef(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeChanges files change requests in memory (CHG-9 first), or fails.
type fakeChanges struct {
	mu   sync.Mutex
	reqs []changeReq
	fail error
}

type changeReq struct {
	r             change.Request
	user, channel string
	role          bot.Role
}

func (f *fakeChanges) Request(_ context.Context, r change.Request, user string, role bot.Role, channel string) (*change.Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	f.reqs = append(f.reqs, changeReq{r, user, channel, role})
	return &change.Change{ID: fmt.Sprintf("CHG-%d", 8+len(f.reqs))}, nil
}

func (f *fakeChanges) requests() []changeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]changeReq(nil), f.reqs...)
}

// fakeIncidents opens incidents in memory, INC-1 first.
type fakeIncidents struct {
	mu   sync.Mutex
	reqs []incident.OpenRequest
}

func (f *fakeIncidents) Open(_ context.Context, r incident.OpenRequest) (*incident.Opened, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r)
	return &incident.Opened{Incident: &incident.Incident{Num: int64(len(f.reqs)), Title: r.Title}}, nil
}

func (f *fakeIncidents) opened() []incident.OpenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]incident.OpenRequest(nil), f.reqs...)
}
