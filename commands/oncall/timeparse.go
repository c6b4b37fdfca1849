package oncall

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeError is a time a person typed that cannot be used; its message says
// why and what to type instead.
type TimeError struct{ Msg string }

func (e *TimeError) Error() string { return e.Msg }

func timeErr(format string, a ...any) error { return &TimeError{Msg: fmt.Sprintf(format, a...)} }

// MaxRange is the longest override ParseRange accepts.
const MaxRange = 366 * 24 * time.Hour

// ParseRange reads a start and an end (or a duration) as people type them,
// in loc: "now 4h", "tomorrow 09:00 8h", "2026-12-24 18:00 2026-12-27 09:00",
// "friday 18:00 monday 09:00", "18:00 2d". Times of day without a date
// mean their next occurrence. Durations in d and w keep the wall-clock
// time across daylight saving changes; h and m are elapsed time. A
// reading that does not exist (in a daylight saving gap), an end that is
// not after the start, or an end in the past is refused with a message
// that says so.
func ParseRange(words []string, now time.Time, loc *time.Location) (start, end time.Time, err error) {
	now = now.In(loc)
	p := &timeParser{words: words, loc: loc}
	if len(words) == 0 {
		return start, end, timeErr("give a start and an end or a duration, like `now 4h` or `tomorrow 09:00 8h`")
	}
	start, err = p.point(now, now, false)
	if err != nil {
		return start, end, err
	}
	if p.done() {
		return start, end, timeErr("give an end or a duration after the start, like `%s 4h`", strings.Join(words, " "))
	}
	if d, derr := parseDuration(p.peek()); derr == nil {
		p.i++
		end = d.addTo(start, loc)
	} else {
		end, err = p.point(now, start, true)
		if err != nil {
			return start, end, err
		}
	}
	if !p.done() {
		return start, end, timeErr("I don't understand %q after the end; give a start and an end or a duration, like `tomorrow 09:00 8h`", strings.Join(p.words[p.i:], " "))
	}
	switch {
	case !end.After(start):
		return start, end, timeErr("the end (%s) is not after the start (%s)", fmtTime(end, loc), fmtTime(start, loc))
	case !end.After(now):
		return start, end, timeErr("that ends in the past (%s); now is %s", fmtTime(end, loc), fmtTime(now, loc))
	case end.Sub(start) > MaxRange:
		return start, end, timeErr("that is longer than a year; give a shorter range")
	}
	return start, end, nil
}

type timeParser struct {
	words []string
	i     int
	loc   *time.Location
}

func (p *timeParser) done() bool   { return p.i >= len(p.words) }
func (p *timeParser) peek() string { return strings.ToLower(p.words[p.i]) }

// point reads one moment. ref is now for a start and the start for an
// end: a bare time of day or a weekday is its next occurrence after ref;
// today and tomorrow always count from now.
func (p *timeParser) point(now, ref time.Time, isEnd bool) (time.Time, error) {
	w := p.peek()
	p.i++
	refWall, nowWall := wall(ref, p.loc), wall(now, p.loc)
	day := func(offset int) time.Time {
		return time.Date(refWall.Year(), refWall.Month(), refWall.Day()+offset, 0, 0, 0, 0, time.UTC)
	}
	var date time.Time
	hasDate := true
	wd, isDay := weekdays[w]
	switch {
	case w == "now" && !isEnd:
		return ref, nil
	case w == "today":
		date = time.Date(nowWall.Year(), nowWall.Month(), nowWall.Day(), 0, 0, 0, 0, time.UTC)
	case w == "tomorrow":
		date = time.Date(nowWall.Year(), nowWall.Month(), nowWall.Day()+1, 0, 0, 0, 0, time.UTC)
	case isDay:
		off := (int(wd) - int(refWall.Weekday()) + 7) % 7
		date = day(off)
		if off == 0 && !p.done() {
			// Today's weekday: today if the time is still ahead, else next week.
			if hh, mm, ok := parseClock(p.peek()); ok && !time.Date(date.Year(), date.Month(), date.Day(), hh, mm, 0, 0, time.UTC).After(refWall) {
				date = day(7)
			}
		} else if off == 0 {
			date = day(7)
		}
	default:
		d, t, ok := splitDateTime(w)
		if !ok {
			return time.Time{}, timeErr("%q is not a time I understand: use now, today, tomorrow, a weekday, YYYY-MM-DD or HH:MM, with a time like 09:00", p.words[p.i-1])
		}
		if d != "" {
			parsed, err := time.Parse("2006-01-02", d)
			if err != nil || parsed.Year() < 2000 || parsed.Year() > 2200 {
				return time.Time{}, timeErr("%q is not a date: write it as YYYY-MM-DD, like 2026-12-24", d)
			}
			date = parsed
		} else {
			hasDate = false
		}
		if t != "" {
			p.i-- // let the time of day be read below
			p.words = append(append(append([]string{}, p.words[:p.i]...), t), p.words[p.i+1:]...)
		}
	}
	hh, mm := 0, 0
	if !p.done() {
		if h, m, ok := parseClock(p.peek()); ok {
			hh, mm = h, m
			p.i++
		} else if !hasDate {
			return time.Time{}, timeErr("%q is not a time of day like 09:00", p.words[p.i])
		}
	}
	if !hasDate {
		date = day(0)
		if !time.Date(date.Year(), date.Month(), date.Day(), hh, mm, 0, 0, time.UTC).After(refWall) {
			date = day(1)
		}
	}
	wantWall := time.Date(date.Year(), date.Month(), date.Day(), hh, mm, 0, 0, time.UTC)
	t := instant(wantWall, p.loc)
	if !wall(t, p.loc).Equal(wantWall) {
		return time.Time{}, gapError(wantWall, t, p.loc)
	}
	return t, nil
}

// splitDateTime splits "2026-12-24", "2026-12-24T18:00" or "18:00".
func splitDateTime(w string) (date, clock string, ok bool) {
	if d, c, found := strings.Cut(w, "t"); found && len(d) == 10 {
		return d, c, c != ""
	}
	if len(w) == 10 && strings.Count(w, "-") == 2 {
		return w, "", true
	}
	if _, _, ok := parseClock(w); ok {
		return "", w, true
	}
	return "", "", false
}

// gapError explains a wall-clock reading skipped by a daylight saving
// change.
func gapError(want, got time.Time, loc *time.Location) error {
	tr := got
	if s, e := got.ZoneBounds(); got.Sub(s) < 3*time.Hour {
		tr = s
	} else {
		tr = e
	}
	_, before := tr.Add(-time.Nanosecond).Zone()
	from := tr.In(time.FixedZone("", before))
	return timeErr("%s does not exist in %s: that night the clocks jump from %s to %s (daylight saving time). Pick a time outside that hour, like %s",
		want.Format("2006-01-02 15:04"), loc, from.Format("15:04"), tr.In(loc).Format("15:04"), tr.In(loc).Format("15:04"))
}

// parseClock reads HH:MM (or H:MM) on a 24-hour clock.
func parseClock(s string) (hh, mm int, ok bool) {
	h, m, found := strings.Cut(s, ":")
	if !found || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || h[0] == '+' || h[0] == '-' {
		return 0, 0, false
	}
	return hh, mm, true
}

// span is a typed duration: calendar days (w, d) and elapsed time (h, m).
type span struct {
	days int
	real time.Duration
}

func (d span) addTo(t time.Time, loc *time.Location) time.Time {
	if d.days != 0 {
		t = instant(wall(t, loc).AddDate(0, 0, d.days), loc)
	}
	return t.Add(d.real)
}

// parseDuration reads "4h", "90m", "1h30m", "2d", "1w", "1d12h".
func parseDuration(s string) (span, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return span{}, fmt.Errorf("empty duration")
	}
	var d span
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 5 || i == len(s) {
			return span{}, fmt.Errorf("%q is not a duration like 4h, 90m, 2d or 1w", s)
		}
		n, _ := strconv.Atoi(s[:i])
		switch s[i] {
		case 'w':
			d.days += 7 * n
		case 'd':
			d.days += n
		case 'h':
			d.real += time.Duration(n) * time.Hour
		case 'm':
			d.real += time.Duration(n) * time.Minute
		default:
			return span{}, fmt.Errorf("%q is not a duration like 4h, 90m, 2d or 1w", s)
		}
		if d.days > 3660 || d.real > 100_000*time.Hour {
			return span{}, fmt.Errorf("%q is too long", s)
		}
		s = s[i+1:]
	}
	if d.days == 0 && d.real == 0 {
		return span{}, fmt.Errorf("a duration of zero")
	}
	return d, nil
}

// fmtTime shows t in loc the way schedules do: "Mon 02 Mar 09:00 CET".
func fmtTime(t time.Time, loc *time.Location) string { return t.In(loc).Format("Mon 02 Jan 15:04 MST") }
