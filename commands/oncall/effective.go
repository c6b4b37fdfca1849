package oncall

import "time"

// Segment is a stretch of time with one person on call for a schedule.
type Segment struct {
	Start, End time.Time // End is zero when nothing changes in sight
	User       string    // empty: nobody (before the rotation starts)
	// Override is set when an override, not the rotation, put User there.
	Override *Override
}

func (g Segment) same(h Segment) bool {
	return g.User == h.User && (g.Override == nil) == (h.Override == nil) &&
		(g.Override == nil || g.Override.ID == h.Override.ID)
}

// at is who is on call for s at t, given its overrides sorted by start.
func at(s *Schedule, ovs []Override, t time.Time) Segment {
	var best *Override
	for i := range ovs {
		o := &ovs[i]
		if o.Start.After(t) {
			break
		}
		if t.Before(o.End) && (best == nil || o.Seq > best.Seq) {
			best = o
		}
	}
	if best != nil {
		return Segment{Start: t, User: best.User, Override: best}
	}
	return Segment{Start: t, User: s.ShiftAt(t).User}
}

// nextBoundary is the first moment after t when a shift or an override
// starts or ends.
func nextBoundary(s *Schedule, ovs []Override, t time.Time) time.Time {
	b := s.ShiftAt(t).End
	for i := range ovs {
		o := &ovs[i]
		if o.Start.After(b) {
			break
		}
		if o.Start.After(t) && o.Start.Before(b) {
			b = o.Start
		}
		if o.End.After(t) && o.End.Before(b) {
			b = o.End
		}
	}
	return b
}

// maxWalk bounds the boundaries examined looking for a change of person:
// a one-person rotation never changes.
const maxWalk = 200

// segmentAt is the segment holding t, with its end (zero when no change
// comes within maxWalk boundaries).
func segmentAt(s *Schedule, ovs []Override, t time.Time) Segment {
	cur := at(s, ovs, t)
	b := t
	for i := 0; i < maxWalk; i++ {
		b = nextBoundary(s, ovs, b)
		if n := at(s, ovs, b); !n.same(cur) {
			cur.End = b
			return cur
		}
	}
	return cur
}

// segments lists who is on call over [from, to), merged where nothing
// changes; the last segment keeps its real end.
func segments(s *Schedule, ovs []Override, from, to time.Time) []Segment {
	var out []Segment
	for b := from; b.Before(to); {
		g := at(s, ovs, b)
		next := nextBoundary(s, ovs, b)
		if n := len(out); n > 0 && out[n-1].same(g) {
			out[n-1].End = next
		} else {
			g.End = next
			out = append(out, g)
		}
		b = next
	}
	return out
}
