package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/integrations/alertmanager"
)

// tally is what a group's header counts: its alerts firing and resolved
// (dropped ones included), and the span it fired over.
type tally struct {
	Firing, Resolved, Dropped int
	Start, End                time.Time
}

// readTally reads the counts the ingest script keeps in the group hash; ok
// is false for a group stored before they were kept.
func readTally(m map[string]string) (t tally, ok bool) {
	if _, ok := m["firing"]; !ok {
		return tally{}, false
	}
	t.Firing, _ = strconv.Atoi(m["firing"])
	t.Resolved, _ = strconv.Atoi(m["resolved"])
	t.Dropped, _ = strconv.Atoi(m["dropped"])
	if ms, err := strconv.ParseInt(m["first_start"], 10, 64); err == nil && ms > 0 {
		t.Start = time.UnixMilli(ms).UTC()
	}
	if ms, err := strconv.ParseInt(m["last_end"], 10, 64); err == nil && ms > 0 {
		t.End = time.UnixMilli(ms).UTC()
	}
	return t, true
}

// tally is the group's counts: as the ingest script kept them, or counted
// from its alerts (groups built in tests, or stored before merging).
func (g *group) tally() tally {
	if g.Kept != nil {
		return *g.Kept
	}
	var t tally
	t.Firing, t.Resolved = countAlerts(g.Msg.Alerts)
	for _, a := range g.Msg.Alerts {
		if !a.StartsAt.IsZero() && (t.Start.IsZero() || a.StartsAt.Before(t.Start)) {
			t.Start = a.StartsAt
		}
		if a.EndsAt.After(t.End) {
			t.End = a.EndsAt
		}
	}
	return t
}

// loadAlerts reads a group's kept alerts into g.Msg.Alerts, with the
// status the index gives them (a firing alert no longer listed reads as
// resolved, ending when that was noticed). A group stored before alerts
// were kept apart keeps the alerts of its msg.
func (s *store) loadAlerts(ctx context.Context, g *group) error {
	var (
		all *redis.MapStringStringCmd
		idx *redis.ZSliceCmd
	)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		all = p.HGetAll(ctx, s.alertsKey(g.ID))
		idx = p.ZRangeWithScores(ctx, s.indexKey(g.ID), 0, -1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load alerts of group %s: %w", g.ID, err)
	}
	if len(all.Val()) == 0 {
		return nil
	}
	alerts := make([]alertmanager.Alert, 0, len(idx.Val()))
	for _, z := range idx.Val() {
		fp, _ := z.Member.(string)
		raw, ok := all.Val()[fp]
		if !ok {
			continue
		}
		var a alertmanager.Alert
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			continue
		}
		if z.Score < firingBase && a.Firing() {
			a.Status = alertmanager.StatusResolved
			if a.EndsAt.IsZero() {
				a.EndsAt = time.UnixMilli(int64(z.Score)).UTC()
			}
		}
		alerts = append(alerts, a)
	}
	g.Msg.Alerts = alerts
	return nil
}
