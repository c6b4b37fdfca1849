package incident

import (
	"context"
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

// How much of the store a summary reads: incidents are walked newest
// first, summaryChunk at a time, back to the chart's first day; at most
// summaryMaxOpen open ones are looked at (the count is exact).
const (
	summaryChunk   = 500
	summaryMaxOpen = 2000
	summaryListed  = 5
	summaryTitle   = 60
)

// SummarySection is the incidents' part of the health summary: opened
// and resolved in the last 24 hours, open now, mean and worst time to
// acknowledge and to resolve (over the acknowledgements and resolutions
// of those 24 hours), overdue status updates, and incidents opened per
// day for the chart. Incidents are not tied to hosts, so the selector
// does not narrow them. Resolutions of incidents opened before the
// chart's first day are not counted.
func (s *Service) SummarySection(ctx context.Context, r bot.SummaryRequest) (*bot.SummarySection, error) {
	from := r.Since()
	if len(r.Days) > 0 && r.Days[0].Before(from) {
		from = r.Days[0]
	}
	open, bySev, err := s.st.summaryOpen(ctx)
	if err != nil {
		return nil, bot.Unavailable("the incident store", err)
	}
	incs, err := s.st.summaryRecent(ctx, from, open)
	if err != nil {
		return nil, bot.Unavailable("the incident store", err)
	}
	st := s.summarize(r, incs)
	return &bot.SummarySection{Title: "Incidents", Text: st.text(r, open.total, bySev),
		Series: []bot.SummarySeries{{Name: "incidents opened", Values: st.perDay}}}, nil
}

// openSet is the open incidents' numbers (at most summaryMaxOpen) and
// how many there are.
type openSet struct {
	total int64
	nums  []int64
}

// summaryOpen reads the open incidents' count, numbers and counts by
// severity in one round trip.
func (st *store) summaryOpen(ctx context.Context) (openSet, map[Severity]int64, error) {
	var card *redis.IntCmd
	var members *redis.StringSliceCmd
	var counts *redis.MapStringStringCmd
	if _, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		card = p.ZCard(ctx, st.set("open"))
		members = p.ZRange(ctx, st.set("open"), 0, summaryMaxOpen-1)
		counts = p.HGetAll(ctx, st.counts())
		return nil
	}); err != nil {
		return openSet{}, nil, fmt.Errorf("read open incidents: %w", err)
	}
	o := openSet{total: card.Val()}
	for _, m := range members.Val() {
		if n, err := strconv.ParseInt(m, 10, 64); err == nil {
			o.nums = append(o.nums, n)
		}
	}
	bySev := map[Severity]int64{}
	for k, v := range counts.Val() {
		sev, _ := strconv.Atoi(k)
		if n, _ := strconv.ParseInt(v, 10, 64); n > 0 && sev >= 1 && sev <= 4 {
			bySev[Severity(sev)] = n
		}
	}
	return o, bySev, nil
}

var summaryFields = []string{"num", "title", "sev", "state", "created", "opened", "acked_at", "resolved_at", "last_update"}

// summaryRecent reads the incidents opened since from, newest first, and
// the open ones (older ones too).
func (st *store) summaryRecent(ctx context.Context, from time.Time, open openSet) ([]*Incident, error) {
	var out []*Incident
	seen := map[int64]bool{}
	for start := int64(0); ; start += summaryChunk {
		members, err := st.rdb.ZRevRange(ctx, st.set("all"), start, start+summaryChunk-1).Result()
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		nums := make([]int64, 0, len(members))
		for _, m := range members {
			if n, err := strconv.ParseInt(m, 10, 64); err == nil {
				nums = append(nums, n)
			}
		}
		incs, err := st.summaryRead(ctx, nums)
		if err != nil {
			return nil, err
		}
		older := false
		for _, i := range incs {
			seen[i.Num] = true
			if i.Created.Before(from) {
				older = true
				if i.State == StateResolved {
					continue
				}
			}
			out = append(out, i)
		}
		if older || len(members) < summaryChunk {
			break
		}
	}
	var rest []int64
	for _, n := range open.nums {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	incs, err := st.summaryRead(ctx, rest)
	if err != nil {
		return nil, err
	}
	return append(out, incs...), nil
}

// summaryRead reads what the summary needs of incidents nums in one
// round trip.
func (st *store) summaryRead(ctx context.Context, nums []int64) ([]*Incident, error) {
	if len(nums) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.SliceCmd, len(nums))
	if _, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, n := range nums {
			cmds[i] = p.HMGet(ctx, st.hash(n), summaryFields...)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read incidents: %w", err)
	}
	out := make([]*Incident, 0, len(cmds))
	for _, c := range cmds {
		m := make(map[string]string, len(summaryFields))
		for i, v := range c.Val() {
			if s, ok := v.(string); ok {
				m[summaryFields[i]] = s
			}
		}
		if m["num"] != "" {
			out = append(out, fromHash(m))
		}
	}
	return out, nil
}

// summaryStats is what the section says, counted from the incidents read.
type summaryStats struct {
	opened, resolved int
	tta, ttr         durations
	unacked          int
	openNow, overdue []*Incident
	overdueBy        map[int64]time.Duration
	perDay           []float64
}

// durations gathers times to acknowledge or resolve.
type durations struct {
	n          int
	sum, worst time.Duration
	worstID    string
}

func (d *durations) add(v time.Duration, id string) {
	d.n++
	d.sum += v
	if v > d.worst || d.worstID == "" {
		d.worst, d.worstID = v, id
	}
}

func (s *Service) summarize(r bot.SummaryRequest, incs []*Incident) summaryStats {
	st := summaryStats{perDay: make([]float64, len(r.Days)), overdueBy: map[int64]time.Duration{}}
	in24 := func(t time.Time) bool { return !t.IsZero() && !t.Before(r.Since()) && !t.After(r.Now) }
	for _, i := range incs {
		opened := i.Opened
		if opened.IsZero() {
			opened = i.Created
		}
		if in24(i.Created) {
			st.opened++
		}
		if d := r.Day(i.Created); d >= 0 {
			st.perDay[d]++
		}
		if in24(i.AckedAt) {
			st.tta.add(i.AckedAt.Sub(opened), i.ID())
		}
		if in24(i.ResolvedAt) && i.State == StateResolved {
			st.resolved++
			st.ttr.add(i.ResolvedAt.Sub(opened), i.ID())
		}
		if i.State == StateResolved || i.Created.After(r.Now) {
			continue
		}
		st.openNow = append(st.openNow, i)
		if i.State == StateOpen {
			st.unacked++
		}
		if every := s.cfg.severities[i.Severity].updateEvery; every > 0 {
			if late := r.Now.Sub(lastUpdate(i).Add(every)); late > 0 {
				st.overdue = append(st.overdue, i)
				st.overdueBy[i.Num] = late
			}
		}
	}
	worstFirst := func(l []*Incident) {
		sort.SliceStable(l, func(a, b int) bool {
			if l[a].Severity != l[b].Severity {
				return l[a].Severity < l[b].Severity
			}
			return l[a].Created.Before(l[b].Created)
		})
	}
	worstFirst(st.openNow)
	worstFirst(st.overdue)
	return st
}

// text is the section's Slack text.
func (st summaryStats) text(r bot.SummaryRequest, openTotal int64, bySev map[Severity]int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Last 24 h*: %d opened, %d resolved\n", st.opened, st.resolved)
	if openTotal == 0 {
		b.WriteString("*Open now*: none\n")
	} else {
		var sevs []string
		for sev := Severity(1); sev <= 4; sev++ {
			if n := bySev[sev]; n > 0 {
				sevs = append(sevs, fmt.Sprintf("%d %s", n, sev))
			}
		}
		fmt.Fprintf(&b, "*Open now*: %d (%s), %d not acknowledged\n", openTotal, strings.Join(sevs, ", "), st.unacked)
		for k, i := range st.openNow {
			if k == summaryListed {
				fmt.Fprintf(&b, "    …and %d more: `incident list`\n", len(st.openNow)-k)
				break
			}
			fmt.Fprintf(&b, "    %s *%s* %s %s · opened %s\n", stateIcon[i.State], i.ID(), i.Severity, blocks.EscapeCut(i.Title, summaryTitle), elapsed(r.Now, i.Created))
		}
	}
	if st.tta.n > 0 || st.ttr.n > 0 {
		fmt.Fprintf(&b, "*Time to acknowledge*: %s · *to resolve*: %s\n", st.tta.describe(), st.ttr.describe())
	}
	if len(st.overdue) > 0 {
		parts := make([]string, 0, summaryListed)
		for k, i := range st.overdue {
			if k == summaryListed {
				parts = append(parts, fmt.Sprintf("and %d more", len(st.overdue)-k))
				break
			}
			parts = append(parts, fmt.Sprintf("%s %s (%s late)", i.ID(), i.Severity, fmtDur(st.overdueBy[i.Num])))
		}
		fmt.Fprintf(&b, ":alarm_clock: *Status updates overdue*: %s\n", strings.Join(parts, ", "))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (d durations) describe() string {
	if d.n == 0 {
		return "none in the last 24 h"
	}
	return fmt.Sprintf("mean %s, worst %s (%s)", fmtDur(d.sum/time.Duration(d.n)), fmtDur(d.worst), d.worstID)
}
