package socketmode

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// GroupCache answers RBAC's "which user groups is this user in" from
// usergroups.list, refreshed at most once per ttl.
type GroupCache struct {
	api *slack.Client
	ttl time.Duration

	mu      sync.Mutex
	fetched time.Time
	byUser  map[string][]string
}

// NewGroupCache returns a cache over api.
func NewGroupCache(api *slack.Client, ttl time.Duration) *GroupCache {
	return &GroupCache{api: api, ttl: ttl}
}

// GroupsOf returns the handles of the user groups userID is in.
func (g *GroupCache) GroupsOf(ctx context.Context, userID string) ([]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byUser == nil || time.Since(g.fetched) > g.ttl {
		groups, err := g.api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeUsers(true))
		if err != nil {
			if g.byUser != nil {
				return g.byUser[userID], nil // stale beats nothing
			}
			return nil, fmt.Errorf("list user groups: %w", err)
		}
		by := map[string][]string{}
		for _, ug := range groups {
			for _, u := range ug.Users {
				by[u] = append(by[u], ug.Handle)
			}
		}
		g.byUser, g.fetched = by, time.Now()
	}
	return g.byUser[userID], nil
}
