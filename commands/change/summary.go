package change

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

var _ bot.SummaryProvider = (*Service)(nil)

// summaryLookback is how far back the summary looks for changes whose
// run ended in its 24 hours: those requested in the last 14 days.
const summaryLookback = 14 * 24 * time.Hour

// summaryListed caps each list of changes in the summary.
const summaryListed = 5

// SummarySection is the change desk's part of the health summary: runs
// of the last 24 hours (those that started then) by outcome with the
// failures named, changes running now and pending approval, and windows
// in the next 24 hours. With a selector, only changes with a host that
// matches it count. Nothing at all to tell is nil.
func (s *Service) SummarySection(ctx context.Context, r bot.SummaryRequest) (*bot.SummarySection, error) {
	var pending, running *redis.StringSliceCmd
	var recent, coming *redis.StringSliceCmd
	if _, err := s.st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		pending = p.SMembers(ctx, s.st.pendingKey())
		running = p.SMembers(ctx, s.st.runningKey())
		recent = p.ZRangeByScore(ctx, s.st.recentKey(), &redis.ZRangeBy{
			Min: strconv.FormatInt(r.Now.Add(-summaryLookback).UnixMilli(), 10), Max: strconv.FormatInt(r.Now.UnixMilli(), 10)})
		coming = p.ZRangeByScore(ctx, s.st.approvedKey(), &redis.ZRangeBy{
			Min: "(" + strconv.FormatInt(r.Now.Unix(), 10), Max: strconv.FormatInt(r.Now.Add(24*time.Hour).Unix(), 10)})
		return nil
	}); err != nil {
		return nil, bot.Unavailable("the change store", fmt.Errorf("list changes: %w", err))
	}
	ids := map[string]bool{}
	for _, l := range [][]string{pending.Val(), running.Val(), recent.Val(), coming.Val()} {
		for _, id := range l {
			ids[id] = true
		}
	}
	all, err := s.st.summaryRead(ctx, ids)
	if err != nil {
		return nil, bot.Unavailable("the change store", err)
	}
	labels := r.Labels()
	pick := func(l []string) []*Change {
		out := make([]*Change, 0, len(l))
		for _, id := range l {
			if c, ok := all[id]; ok && c.touches(labels) {
				out = append(out, c)
			}
		}
		sortChanges(out)
		return out
	}
	var ran []*Change
	outcomes := map[string]int{}
	for _, c := range pick(recent.Val()) {
		if c.Started.Before(r.Since()) || c.Started.After(r.Now) {
			continue
		}
		switch c.State {
		case StateSucceeded, StateFailed, StatePartiallyFailed:
			outcomes[c.State]++
			if c.State != StateSucceeded {
				ran = append(ran, c)
			}
		}
	}
	sum := summaryOf{outcomes: outcomes, failed: ran, running: pick(running.Val()), pending: pick(pending.Val()), coming: pick(coming.Val())}
	if sum.empty() {
		return nil, nil
	}
	return &bot.SummarySection{Title: "Changes", Text: sum.text(r)}, nil
}

// touches reports whether one of c's hosts matches labels (all do when
// there are none).
func (c *Change) touches(labels map[string]string) bool {
	if len(labels) == 0 {
		return true
	}
	for _, h := range c.Hosts {
		if h.Matches(labels) {
			return true
		}
	}
	return false
}

// sortChanges orders l oldest request first.
func sortChanges(l []*Change) {
	sort.Slice(l, func(i, j int) bool { return idNum(l[i].ID) < idNum(l[j].ID) })
}

// summaryRead reads what the summary shows of changes ids in one round
// trip; changes gone from the store are left out.
func (st *store) summaryRead(ctx context.Context, ids map[string]bool) (map[string]*Change, error) {
	type read struct {
		id  string
		cmd *redis.SliceCmd
	}
	reads := make([]read, 0, len(ids))
	if _, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for id := range ids {
			reads = append(reads, read{id, p.HMGet(ctx, st.changeKey(id), "doc", "state", "started", "result")})
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	out := make(map[string]*Change, len(reads))
	for _, r := range reads {
		v := r.cmd.Val()
		doc, _ := v[0].(string)
		if doc == "" {
			continue
		}
		c := &Change{}
		if json.Unmarshal([]byte(doc), c) != nil {
			continue
		}
		c.State, _ = v[1].(string)
		if sec, err := strconv.ParseInt(fmt.Sprint(v[2]), 10, 64); err == nil {
			c.Started = time.Unix(sec, 0)
		}
		c.Result, _ = v[3].(string)
		out[r.id] = c
	}
	return out, nil
}

// summaryOf is what the section tells.
type summaryOf struct {
	outcomes                         map[string]int
	failed, running, pending, coming []*Change
}

func (m summaryOf) empty() bool {
	return len(m.outcomes) == 0 && len(m.running) == 0 && len(m.pending) == 0 && len(m.coming) == 0
}

func (m summaryOf) text(r bot.SummaryRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Last 24 h*: %d done, %d failed, %d partially failed\n", m.outcomes[StateSucceeded], m.outcomes[StateFailed], m.outcomes[StatePartiallyFailed])
	list(&b, m.failed, func(c *Change) string { return blocks.EscapeCut(c.Result, 120) })
	if len(m.running) > 0 {
		fmt.Fprintf(&b, "*Running now*: %d\n", len(m.running))
		list(&b, m.running, func(c *Change) string { return "started " + blocks.Date(c.Started, r.Loc) })
	}
	fmt.Fprintf(&b, "*Pending approval*: %d\n", len(m.pending))
	list(&b, m.pending, func(c *Change) string {
		t := "requested by " + blocks.Mention(c.Requester) + " " + blocks.DateFormat(c.Created, r.Loc, "{ago}")
		if c.scheduled() {
			t += ", window " + blocks.Date(c.WindowStart, r.Loc)
		}
		return t
	})
	if len(m.coming) > 0 {
		fmt.Fprintf(&b, "*Windows in the next 24 h*: %d\n", len(m.coming))
		list(&b, m.coming, func(c *Change) string {
			return blocks.Date(c.WindowStart, r.Loc) + " – " + blocks.Date(c.WindowEnd, r.Loc)
		})
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// list writes up to summaryListed changes, one a line, with what says
// more of each.
func list(b *strings.Builder, l []*Change, what func(*Change) string) {
	for k, c := range l {
		if k == summaryListed {
			fmt.Fprintf(b, "    …and %d more: `change list`\n", len(l)-k)
			return
		}
		fmt.Fprintf(b, "    %s *%s* %s · %s\n", stateIcon[c.State], c.ID, blocks.EscapeCut(c.describe()+" on "+c.Selector, 80), what(c))
	}
}
