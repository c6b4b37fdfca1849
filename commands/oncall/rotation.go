package oncall

import "time"

// Schedule is a checked rotation: who is on call when, before overrides.
type Schedule struct {
	Name      string
	Loc       *time.Location
	Users     []string
	Shift     time.Duration
	UserGroup string
	Channel   string
	Policy    string
	// base is the wall-clock start of shift 0, kept as a UTC time with
	// the zone's fields, so shift k starts at wall time base+k·Shift.
	base time.Time
}

// Shift is one person's turn in a rotation.
type Shift struct {
	// Index counts shifts from the rotation's start; negative before it.
	Index int64
	// User is empty before the rotation starts.
	User       string
	Start, End time.Time
}

// wall returns t's wall-clock reading in loc as a UTC time: the instant
// shifted by loc's offset at t.
func wall(t time.Time, loc *time.Location) time.Time {
	_, off := t.In(loc).Zone()
	return t.UTC().Add(time.Duration(off) * time.Second)
}

// instant is the moment a wall-clock reading happens in loc. A reading in
// a daylight-saving gap comes out after the gap; an ambiguous one at its
// first occurrence.
func instant(w time.Time, loc *time.Location) time.Time {
	y, mo, d := w.Date()
	h, mi, sec := w.Clock()
	t := time.Date(y, mo, d, h, mi, sec, w.Nanosecond(), loc)
	if wall(t, loc).Equal(w) {
		if earlier := t.Add(-time.Hour); wall(earlier, loc).Equal(w) {
			return earlier
		}
		return t
	}
	// In a gap: the reading taken with the offset before the change.
	_, off := t.Add(-3 * time.Hour).Zone()
	return w.Add(-time.Duration(off) * time.Second).In(loc)
}

// start is when shift k starts.
func (s *Schedule) start(k int64) time.Time {
	return instant(s.base.Add(time.Duration(k)*s.Shift), s.Loc)
}

// ShiftAt is the shift running at t.
func (s *Schedule) ShiftAt(t time.Time) Shift {
	d := wall(t, s.Loc).Sub(s.base)
	k := int64(d / s.Shift)
	if d < 0 && d%s.Shift != 0 {
		k--
	}
	// Wall time is not monotonic around daylight saving changes; settle on
	// the shift whose real bounds hold t.
	lo, hi := s.start(k), s.start(k+1)
	for !hi.After(t) {
		k++
		lo, hi = hi, s.start(k+1)
	}
	for lo.After(t) {
		k--
		lo, hi = s.start(k), lo
	}
	return s.between(k, lo, hi)
}

// shift is shift k.
func (s *Schedule) shift(k int64) Shift { return s.between(k, s.start(k), s.start(k+1)) }

// between is shift k, whose bounds the caller has worked out.
func (s *Schedule) between(k int64, start, end time.Time) Shift {
	sh := Shift{Index: k, Start: start, End: end}
	if k >= 0 {
		sh.User = s.Users[k%int64(len(s.Users))]
	}
	return sh
}

// Shifts lists the shifts overlapping [from, to).
func (s *Schedule) Shifts(from, to time.Time) []Shift {
	var out []Shift
	for sh := s.ShiftAt(from); sh.Start.Before(to); sh = s.shift(sh.Index + 1) {
		if sh.End.After(sh.Start) {
			out = append(out, sh)
		}
	}
	return out
}

// Policy is a checked escalation policy.
type Policy struct {
	Name   string
	Levels []Level
}

// Level is one step of escalation.
type Level struct {
	Schedule string
	Users    []string
	After    time.Duration
}
