package socketmode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

const (
	// groupStaleFactor sets the default max staleness: membership older
	// than this many ttls is no longer used while usergroups.list fails.
	groupStaleFactor = 10
	// groupRetryPause is the least wait after a failed usergroups.list
	// before the next (longer when Slack says Retry-After; never over ttl).
	groupRetryPause = 5 * time.Second
	// groupRefreshTimeout bounds one usergroups.list call, which runs on
	// its own, not on the context of the lookup that started it.
	groupRefreshTimeout = 30 * time.Second
)

// UserGroupLister is the part of the Slack Web API GroupCache needs
// (*slack.Client has it).
type UserGroupLister interface {
	GetUserGroupsContext(ctx context.Context, options ...slack.GetUserGroupsOption) ([]slack.UserGroup, error)
}

// GroupCache answers RBAC's "which user groups is this user in" from
// usergroups.list, refreshed at most once per ttl and never while a lookup
// waits for it: one refresh runs at a time, in the background, and lookups
// meanwhile get the cached membership. While the list fails, membership
// older than max stale (default 10 × ttl) is no longer used: the lookup
// fails, and RBAC falls back to direct and default roles. Only a lookup
// with no usable membership waits for a refresh, and no longer than its
// context allows.
type GroupCache struct {
	api      UserGroupLister
	ttl      time.Duration
	maxStale time.Duration
	now      func() time.Time
	log      *slog.Logger

	mu         sync.Mutex
	byUser     map[string][]string // nil until the first good list
	fetched    time.Time           // when the list in byUser was asked for
	refreshing chan struct{}       // closed when the running refresh ends; nil if none
	lastErr    error               // of the last refresh, nil if it succeeded
	retryAt    time.Time           // no refresh before this after a failure
}

// GroupOption changes a GroupCache's defaults.
type GroupOption func(*GroupCache)

// GroupMaxStale sets how old the cached membership may grow while
// usergroups.list fails before it is no longer used (default 10 × ttl).
func GroupMaxStale(d time.Duration) GroupOption { return func(g *GroupCache) { g.maxStale = d } }

// GroupLog sets the logger that hears failed refreshes (default: discard).
func GroupLog(log *slog.Logger) GroupOption { return func(g *GroupCache) { g.log = log } }

// GroupClock sets the cache's time (default time.Now), for tests.
func GroupClock(now func() time.Time) GroupOption { return func(g *GroupCache) { g.now = now } }

// NewGroupCache returns a cache over api whose membership is refreshed
// once it is older than ttl.
func NewGroupCache(api UserGroupLister, ttl time.Duration, opts ...GroupOption) *GroupCache {
	g := &GroupCache{api: api, ttl: ttl, maxStale: groupStaleFactor * ttl, now: time.Now,
		log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(g)
	}
	return g
}

// GroupsOf returns the handles of the user groups userID is in.
func (g *GroupCache) GroupsOf(ctx context.Context, userID string) ([]string, error) {
	g.mu.Lock()
	now := g.now()
	if g.byUser != nil && now.Sub(g.fetched) <= g.ttl {
		defer g.mu.Unlock()
		return slices.Clone(g.byUser[userID]), nil
	}
	if g.refreshing == nil && !now.Before(g.retryAt) {
		g.refreshing = make(chan struct{})
		go g.refresh(context.WithoutCancel(ctx), g.refreshing)
	}
	if groups, ok := g.usable(now, userID); ok {
		g.mu.Unlock()
		return groups, nil
	}
	wait := g.refreshing
	g.mu.Unlock()

	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, fmt.Errorf("list user groups: %w", ctx.Err())
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if groups, ok := g.usable(g.now(), userID); ok {
		return groups, nil
	}
	return nil, g.unusable(g.now())
}

// usable returns the cached groups of userID unless the membership is
// missing or older than maxStale. g.mu is held.
func (g *GroupCache) usable(now time.Time, userID string) ([]string, bool) {
	if g.byUser == nil || now.Sub(g.fetched) > g.maxStale {
		return nil, false
	}
	return slices.Clone(g.byUser[userID]), true
}

// unusable explains why there is no membership to answer with. g.mu is held.
func (g *GroupCache) unusable(now time.Time) error {
	err := g.lastErr
	if err == nil {
		err = errors.New("no answer yet")
	}
	if g.byUser == nil {
		return fmt.Errorf("list user groups: %w", err)
	}
	return fmt.Errorf("list user groups: %w; the membership fetched %s ago is past max_stale %s, so it is not used",
		err, now.Sub(g.fetched).Round(time.Second), g.maxStale)
}

// refresh fetches the membership and closes done when it is stored (or
// the failure recorded).
func (g *GroupCache) refresh(ctx context.Context, done chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithTimeout(ctx, groupRefreshTimeout)
	defer cancel()
	g.mu.Lock()
	started := g.now()
	g.mu.Unlock()

	groups, err := g.api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeUsers(true))

	g.mu.Lock()
	defer g.mu.Unlock()
	g.refreshing = nil
	if err != nil {
		g.lastErr = err
		g.retryAt = g.now().Add(g.retryPause(err))
		if _, ok := g.usable(g.now(), ""); ok {
			g.log.Warn("list user groups failed; RBAC uses the membership fetched earlier",
				"age", g.now().Sub(g.fetched).Round(time.Second), "max_stale", g.maxStale, "err", err)
		} else {
			g.log.Warn("list user groups failed; RBAC cannot use group roles", "err", err)
		}
		return
	}
	by := map[string][]string{}
	for _, ug := range groups {
		for _, u := range ug.Users {
			by[u] = append(by[u], ug.Handle)
		}
	}
	g.byUser, g.fetched, g.lastErr, g.retryAt = by, started, nil, time.Time{}
}

// retryPause is how long to wait after err before listing again.
func (g *GroupCache) retryPause(err error) time.Duration {
	pause := min(groupRetryPause, g.ttl)
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) && limited.RetryAfter > pause {
		pause = limited.RetryAfter
	}
	return pause
}
