package socketmode_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/rbac"
	"opsbot/bot/socketmode"
	"opsbot/integrations/testenv"
	"opsbot/internal/testkit"
)

// fakeGroups plays usergroups.list. Each call takes its answer from
// answers, waiting for one (or for its context) unless fail is set, and
// announces itself on started first.
type fakeGroups struct {
	calls   atomic.Int32
	started chan int
	answers chan groupsAnswer
	fail    atomic.Pointer[error] // when set, every call fails at once with it
}

type groupsAnswer struct {
	groups []slack.UserGroup
	err    error
}

func newFakeGroups() *fakeGroups {
	return &fakeGroups{started: make(chan int, 100), answers: make(chan groupsAnswer, 100)}
}

func (f *fakeGroups) GetUserGroupsContext(ctx context.Context, _ ...slack.GetUserGroupsOption) ([]slack.UserGroup, error) {
	n := int(f.calls.Add(1))
	f.started <- n
	if err := f.fail.Load(); err != nil {
		return nil, *err
	}
	select {
	case a := <-f.answers:
		return a.groups, a.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (f *fakeGroups) failWith(err error) { f.fail.Store(&err) }

// membership gives handle → members as Slack's user groups.
func membership(groups map[string][]string) groupsAnswer {
	var a groupsAnswer
	for handle, users := range groups {
		a.groups = append(a.groups, slack.UserGroup{Handle: handle, Users: users})
	}
	return a
}

// promptly runs f and fails the test if it has not returned in 10 s: a
// guard against a lookup hanging behind Slack, not a measurement.
func promptly(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still waiting after 10s", what)
	}
}

func groupsOf(t *testing.T, g *socketmode.GroupCache, ctx context.Context, user string) ([]string, error) {
	t.Helper()
	var got []string
	var err error
	promptly(t, "GroupsOf("+user+")", func() { got, err = g.GroupsOf(ctx, user) })
	slices.Sort(got)
	return got, err
}

func newCache(t *testing.T, f *fakeGroups, opts ...socketmode.GroupOption) (*socketmode.GroupCache, *testkit.Clock, context.Context) {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // ends a call the fake still holds
	return socketmode.NewGroupCache(f, time.Minute, append([]socketmode.GroupOption{socketmode.GroupClock(clock.Now)}, opts...)...), clock, ctx
}

// A slow usergroups.list holds up no RBAC check while the cache is young
// enough: lookups are answered from it, and only one refresh runs.
func TestGroupCacheAnswersWhileSlackIsSlow(t *testing.T) {
	f := newFakeGroups()
	g, clock, ctx := newCache(t, f)
	f.answers <- membership(map[string][]string{"sre": {"U1"}})
	if got, err := groupsOf(t, g, ctx, "U1"); err != nil || !slices.Equal(got, []string{"sre"}) {
		t.Fatalf("first lookup = %v, %v; want [sre]", got, err)
	}
	<-f.started

	clock.Add(2 * time.Minute) // past the ttl: due for a refresh, still usable
	// usergroups.list now hangs until the test answers it.
	for i := 0; i < 3; i++ {
		if got, err := groupsOf(t, g, ctx, "U1"); err != nil || !slices.Equal(got, []string{"sre"}) {
			t.Fatalf("lookup during a slow refresh = %v, %v; want the cached [sre]", got, err)
		}
		if i == 0 {
			<-f.started // the refresh is under way
		}
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("usergroups.list called %d times, want 2: one refresh at a time", n)
	}
	f.answers <- membership(map[string][]string{"sre": {"U1"}, "dba": {"U1"}})
	testenv.Eventually(t, 10*time.Second, func() bool {
		got, _ := g.GroupsOf(ctx, "U1")
		return len(got) == 2
	}, "the refreshed membership")
}

// With no usable membership a lookup waits for the refresh, but no longer
// than its context allows; lookups meanwhile start no second refresh.
func TestGroupCacheWaitIsBoundedByContext(t *testing.T) {
	f := newFakeGroups()
	g, _, ctx := newCache(t, f)
	first := make(chan []string, 1)
	go func() {
		got, _ := g.GroupsOf(ctx, "U1")
		first <- got
	}()
	<-f.started
	for i := 0; i < 3; i++ {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := groupsOf(t, g, cctx, "U2"); !errors.Is(err, context.Canceled) {
			t.Errorf("lookup with an ended context = %v, want context.Canceled", err)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("usergroups.list called %d times during one refresh, want 1", n)
	}
	f.answers <- membership(map[string][]string{"sre": {"U1"}})
	promptly(t, "the waiting lookup", func() {
		if got := <-first; !slices.Equal(got, []string{"sre"}) {
			t.Errorf("waiting lookup = %v, want [sre]", got)
		}
	})
	if n := f.calls.Load(); n != 1 {
		t.Errorf("usergroups.list called %d times, want 1", n)
	}
}

// While usergroups.list fails, the membership last fetched is used up to
// max_stale; after that RBAC no longer trusts it and falls back to the
// direct and default roles, with a warning.
func TestGroupCacheStopsUsingTooStaleMembership(t *testing.T) {
	f := newFakeGroups()
	var cacheLog bytes.Buffer
	g, clock, ctx := newCache(t, f, socketmode.GroupMaxStale(10*time.Minute),
		socketmode.GroupLog(slog.New(slog.NewTextHandler(&cacheLog, nil))))
	var rbacLog bytes.Buffer
	policy, err := rbac.New(rbac.Config{Users: map[string]string{"U1": "responder"}, Groups: map[string]string{"sre": "admin"}},
		g, slog.New(slog.NewTextHandler(&rbacLog, nil)))
	if err != nil {
		t.Fatal(err)
	}
	f.answers <- membership(map[string][]string{"sre": {"U1"}})
	roleOf := func() (role bot.Role) {
		promptly(t, "RoleOf", func() { role = policy.RoleOf(ctx, "U1") })
		return role
	}
	if r := roleOf(); r != bot.RoleAdmin {
		t.Fatalf("role with fresh membership = %s, want admin", r)
	}

	f.failWith(errors.New("slack_down"))
	clock.Add(5 * time.Minute)
	if r := roleOf(); r != bot.RoleAdmin {
		t.Errorf("role 5 min after the last good list = %s, want admin (stale but within max_stale)", r)
	}
	clock.Add(6 * time.Minute)
	if r := roleOf(); r != bot.RoleResponder {
		t.Errorf("role 11 min after the last good list = %s, want responder (the direct role)", r)
	}
	_, err = groupsOf(t, g, ctx, "U1")
	for _, w := range []string{"list user groups", "slack_down", "11m0s", "max_stale 10m0s"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("lookup error = %v, want it to mention %q", err, w)
		}
	}
	if !strings.Contains(rbacLog.String(), "look up user groups for RBAC") {
		t.Errorf("rbac logged %q, want a warning about the lookup", rbacLog.String())
	}
	if !strings.Contains(cacheLog.String(), "slack_down") {
		t.Errorf("cache logged %q, want the failed refresh", cacheLog.String())
	}
}

// A failing usergroups.list is not called again at once: after a failure
// the next refresh waits a few seconds, or as long as Slack's Retry-After.
func TestGroupCachePausesAfterFailure(t *testing.T) {
	f := newFakeGroups()
	g, clock, ctx := newCache(t, f)
	f.failWith(errors.New("fatal_error"))
	for i := 0; i < 3; i++ {
		if _, err := groupsOf(t, g, ctx, "U1"); err == nil || !strings.Contains(err.Error(), "fatal_error") {
			t.Errorf("lookup %d = %v, want the failure", i, err)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("usergroups.list called %d times at one instant, want 1", n)
	}
	clock.Add(5 * time.Second)
	f.failWith(&slack.RateLimitedError{RetryAfter: 30 * time.Second})
	_, _ = groupsOf(t, g, ctx, "U1")
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("usergroups.list called %d times 5 s after a failure, want 2", n)
	}
	clock.Add(29 * time.Second)
	_, _ = groupsOf(t, g, ctx, "U1")
	if n := f.calls.Load(); n != 2 {
		t.Errorf("usergroups.list called %d times within Retry-After, want 2", n)
	}
	clock.Add(time.Second)
	f.answers <- membership(map[string][]string{"sre": {"U1"}})
	f.fail.Store(nil)
	if got, err := groupsOf(t, g, ctx, "U1"); err != nil || !slices.Equal(got, []string{"sre"}) {
		t.Errorf("lookup after Retry-After = %v, %v; want [sre]", got, err)
	}
}
