package incident

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// store keeps incidents in Redis under the {inc} hash tag: a hash per
// incident, a stream per timeline, sorted sets as indexes (all, open,
// resolved, per severity, per person involved), a hash of open counts
// by severity, and maps from threads and channels to incidents.
type store struct {
	rdb redis.UniversalClient
	key func(...string) string
	max int64
}

func (st *store) hash(n int64) string      { return st.key("{inc}", strconv.FormatInt(n, 10)) }
func (st *store) tl(n int64) string        { return st.key("{inc}", strconv.FormatInt(n, 10), "timeline") }
func (st *store) set(name string) string   { return st.key("{inc}", name) }
func (st *store) sevSet(s Severity) string { return st.key("{inc}", "sev", strconv.Itoa(int(s))) }
func (st *store) userSet(u string) string  { return st.key("{inc}", "user", u) }
func (st *store) counts() string           { return st.key("{inc}", "open-by-sev") }
func (st *store) threadKey(channel, ts string) string {
	return st.key("{inc}", "thread", channel, ts)
}
func (st *store) channelKey(channel string) string { return st.key("{inc}", "channel", channel) }

// next numbers a new incident.
func (st *store) next(ctx context.Context) (int64, error) {
	n, err := st.rdb.Incr(ctx, st.key("{inc}", "seq")).Result()
	if err != nil {
		return 0, fmt.Errorf("number the incident: %w", err)
	}
	return n, nil
}

// open writes a new incident, its indexes and the first timeline entries
// in one script.
func (st *store) open(ctx context.Context, i *Incident, links []string) error {
	now := strconv.FormatInt(i.Created.UnixMilli(), 10)
	fields := []any{"num", i.Num, "title", i.Title, "sev", int(i.Severity), "desc", i.Description, "services", i.Services,
		"state", string(StateOpen), "reporter", i.Reporter, "created", now, "opened", now, "channel", i.Channel}
	argv := []any{i.Num, now, i.Reporter, int(i.Severity), fmt.Sprintf("%s %s", i.Severity, i.Title), st.max, len(fields) / 2}
	argv = append(append(argv, fields...), toAny(links)...)
	keys := []string{st.hash(i.Num), st.tl(i.Num), st.set("all"), st.set("open"), st.sevSet(i.Severity), st.userSet(i.Reporter), st.counts()}
	created, err := openScript.Run(ctx, st.rdb, keys, argv...).Int()
	if err != nil {
		return fmt.Errorf("store %s: %w", i.ID(), err)
	}
	if created == 0 {
		return fmt.Errorf("store %s: it already exists", i.ID())
	}
	return nil
}

func toAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// transitionArgs is one transition asked of applyScript: the operation, who
// asks it, its arguments.
type transitionArgs struct {
	op, actor, arg, arg2 string
	// arg3 says why, for unreached.
	arg3  string
	users []string // people to index the incident under
}

// apply runs a transition and returns its outcome and the incident as it
// now is (nil when missing).
func (st *store) apply(ctx context.Context, n int64, c transitionArgs, now time.Time) (string, *Incident, error) {
	keys := []string{st.hash(n), st.tl(n), st.set("open"), st.set("resolved"), st.counts()}
	for s := Severity(1); s <= 4; s++ {
		keys = append(keys, st.sevSet(s))
	}
	seen := map[string]bool{}
	for _, u := range c.users {
		if u != "" && !seen[u] {
			seen[u] = true
			keys = append(keys, st.userSet(u))
		}
	}
	raw, err := applyScript.Run(ctx, st.rdb, keys, c.op, now.UnixMilli(), c.actor, c.arg, c.arg2, st.max, n, c.arg3).StringSlice()
	if err != nil {
		return "", nil, fmt.Errorf("%s %s: %w", c.op, FormatID(n), err)
	}
	if raw[0] == "missing" {
		return raw[0], nil, nil
	}
	return raw[0], fromHash(pairs(raw[1:])), nil
}

func pairs(l []string) map[string]string {
	m := make(map[string]string, len(l)/2)
	for i := 0; i+1 < len(l); i += 2 {
		m[l[i]] = l[i+1]
	}
	return m
}

// refs records the posted messages, the page and the incident's channel,
// and maps their threads and the channel to the incident; changed
// reports that the incident moved on while they were being posted, so
// they need a redraw.
func (st *store) refs(ctx context.Context, i *Incident, now time.Time) (changed bool, err error) {
	keys, argv := st.refsArgs(i, now)
	res, err := refsScript.Run(ctx, st.rdb, keys, argv...).Int()
	if err != nil {
		return false, fmt.Errorf("record messages of %s: %w", i.ID(), err)
	}
	return res == 2, nil
}

// refsIn queues refs on p, to go with other writes in one round trip;
// read the outcome with refsDone once p ran.
func (st *store) refsIn(ctx context.Context, p redis.Pipeliner, i *Incident, now time.Time) *redis.Cmd {
	keys, argv := st.refsArgs(i, now)
	return refsScript.Eval(ctx, p, keys, argv...) // a pipeline cannot fall back from EVALSHA
}

func refsDone(i *Incident, cmd *redis.Cmd) (changed bool, err error) {
	res, err := cmd.Int()
	if err != nil {
		return false, fmt.Errorf("record messages of %s: %w", i.ID(), err)
	}
	return res == 2, nil
}

func (st *store) refsArgs(i *Incident, now time.Time) ([]string, []any) {
	var msgs []string
	for _, m := range i.Messages {
		msgs = append(msgs, m.Channel+"|"+m.TS)
	}
	keys := []string{st.hash(i.Num), st.tl(i.Num)}
	for _, u := range i.Paged {
		keys = append(keys, st.userSet(u))
	}
	for _, m := range i.Messages {
		keys = append(keys, st.threadKey(m.Channel, m.TS))
	}
	if i.IncChannel != "" {
		keys = append(keys, st.channelKey(i.IncChannel))
	}
	by := i.pagedBy
	if by == "" {
		by = "opsbot"
	}
	argv := []any{i.Num, strings.Join(msgs, ","), i.Page, strings.Join(i.Paged, ","),
		i.IncChannel, now.UnixMilli(), st.max, len(i.Paged), string(i.State), i.Commander, int(i.Severity),
		by, strings.Join(i.Unreached, ",")}
	for _, u := range i.Unreached {
		argv = append(argv, u+" ("+i.Page+" level 1): "+whyUnreached(i.why, u))
	}
	return keys, argv
}

// load reads an incident; nil when there is none.
func (st *store) load(ctx context.Context, n int64) (*Incident, error) {
	m, err := st.rdb.HGetAll(ctx, st.hash(n)).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", FormatID(n), err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return fromHash(m), nil
}

// loadWithTimeline reads an incident and its timeline in one round trip.
func (st *store) loadWithTimeline(ctx context.Context, n int64) (*Incident, []Event, error) {
	var h *redis.MapStringStringCmd
	var x *redis.XMessageSliceCmd
	if _, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		h = p.HGetAll(ctx, st.hash(n))
		x = p.XRange(ctx, st.tl(n), "-", "+")
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", FormatID(n), err)
	}
	if len(h.Val()) == 0 {
		return nil, nil, nil
	}
	var events []Event
	for _, m := range x.Val() {
		s := func(k string) string { v, _ := m.Values[k].(string); return v }
		ms, _ := strconv.ParseInt(s("at"), 10, 64)
		events = append(events, Event{At: time.UnixMilli(ms).UTC(), Who: s("who"), What: s("what"), Text: s("text")})
	}
	return fromHash(h.Val()), events, nil
}

// lookup finds the incident of a thread or, failing that, of a channel.
func (st *store) lookup(ctx context.Context, channel, thread string) (int64, error) {
	if channel == "" {
		return 0, nil
	}
	keys := []string{st.channelKey(channel)}
	if thread != "" {
		keys = append([]string{st.threadKey(channel, thread)}, keys...)
	}
	vals, err := st.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return 0, fmt.Errorf("find the incident of this conversation: %w", err)
	}
	for _, v := range vals {
		if s, ok := v.(string); ok {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
		}
	}
	return 0, nil
}

// listFields are what a list line shows.
var listFields = []string{"num", "title", "sev", "state", "created", "commander", "acked_by", "reporter", "resolved_at"}

// list returns how many incidents are in all of sets, and the newest
// limit of them: two round trips.
func (st *store) list(ctx context.Context, sets []string, limit int) (int64, []*Incident, error) {
	raw, err := listScript.Run(ctx, st.rdb, sets, limit).StringSlice()
	if err != nil {
		return 0, nil, fmt.Errorf("list incidents: %w", err)
	}
	total, _ := strconv.ParseInt(raw[0], 10, 64)
	if len(raw) == 1 {
		return total, nil, nil
	}
	cmds := make([]*redis.SliceCmd, 0, len(raw)-1)
	if _, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, m := range raw[1:] {
			n, _ := strconv.ParseInt(m, 10, 64)
			cmds = append(cmds, p.HMGet(ctx, st.hash(n), listFields...))
		}
		return nil
	}); err != nil {
		return 0, nil, fmt.Errorf("read listed incidents: %w", err)
	}
	out := make([]*Incident, 0, len(cmds))
	for _, c := range cmds {
		m := map[string]string{}
		for i, v := range c.Val() {
			if s, ok := v.(string); ok {
				m[listFields[i]] = s
			}
		}
		if m["num"] != "" {
			out = append(out, fromHash(m))
		}
	}
	return total, out, nil
}

// openCounts reads the number of unresolved incidents per severity.
func (st *store) openCounts(ctx context.Context) (map[Severity]int64, error) {
	m, err := st.rdb.HGetAll(ctx, st.counts()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("count open incidents: %w", err)
	}
	out := map[Severity]int64{}
	for k, v := range m {
		s, _ := strconv.Atoi(k)
		n, _ := strconv.ParseInt(v, 10, 64)
		out[Severity(s)] = n
	}
	return out, nil
}
