package oncall

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Config is the `oncall` section: rotations, escalation policies and the
// names people may be called by in commands.
type Config struct {
	Schedules []ScheduleConfig `yaml:"schedules"`
	Policies  []PolicyConfig   `yaml:"policies"`
	// People maps names usable in commands ("alice") to Slack user ids,
	// for the console and for messages that name the known users.
	People map[string]string `yaml:"people"`
}

// ScheduleConfig is one rotation.
type ScheduleConfig struct {
	Name string `yaml:"name"`
	// Zone is the IANA time zone handoffs and typed times are in.
	Zone string `yaml:"zone"`
	// Users take shifts in this order (Slack user ids).
	Users []string `yaml:"users"`
	// Shift is how long each person is on call: "24h", "1w", "12h".
	// Handoffs keep the wall-clock time across daylight saving changes.
	Shift string `yaml:"shift"`
	// Handoff is when shifts change, in Zone: "09:00" or "monday 09:00"
	// (the weekday sets where the first shift starts).
	Handoff string `yaml:"handoff"`
	// Start is the date of the first shift, "2026-01-05".
	Start string `yaml:"start"`
	// UserGroup is the Slack user-group handle kept in sync with who is on
	// call (without @), optional.
	UserGroup string `yaml:"user_group"`
	// Channel gets a notice at each handoff (a channel id), optional.
	Channel string `yaml:"channel"`
	// EscalationPolicy is followed when this schedule is paged; without it
	// only the person on call is paged.
	EscalationPolicy string `yaml:"escalation_policy"`
}

// PolicyConfig is an escalation policy: levels paged one after another
// until someone acknowledges.
type PolicyConfig struct {
	Name   string        `yaml:"name"`
	Levels []LevelConfig `yaml:"levels"`
}

// LevelConfig is one level: a schedule's on-call person, or users.
type LevelConfig struct {
	Schedule string   `yaml:"schedule"`
	Users    []string `yaml:"users"`
	// After is how long to wait for an acknowledgement before paging the
	// next level (default 5m).
	After string `yaml:"after"`
}

// DefaultLevelDelay is how long a level has to acknowledge by default.
const DefaultLevelDelay = 5 * time.Minute

var (
	nameRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	userIDRe = regexp.MustCompile(`^[UW][A-Z0-9]+$`)
	chanIDRe = regexp.MustCompile(`^[CGD][A-Z0-9]+$`)
)

// Validate lists every problem, each as "<key.path>: <problem>".
func (c Config) Validate() []error {
	_, errs := c.compile()
	return errs
}

// compiled is a checked config, ready to compute with.
type compiled struct {
	schedules map[string]*Schedule
	order     []string // schedule names in config order
	policies  map[string]*Policy
	people    map[string]string // lower-case name -> id
	names     map[string]string // id -> name
}

func (c Config) compile() (*compiled, []error) {
	var errs []error
	bad := func(path, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, a...)))
	}
	out := &compiled{schedules: map[string]*Schedule{}, policies: map[string]*Policy{}, people: map[string]string{}, names: map[string]string{}}
	for _, name := range slices.Sorted(maps.Keys(c.People)) {
		id := c.People[name]
		if !userIDRe.MatchString(id) {
			bad("people."+name, "%q is not a Slack user id (they look like U0123ABCD)", id)
			continue
		}
		out.people[strings.ToLower(strings.TrimPrefix(name, "@"))] = id
		out.names[id] = name
	}
	for i, sc := range c.Schedules {
		p := fmt.Sprintf("schedules[%d]", i)
		s, serrs := sc.compile()
		for _, e := range serrs {
			bad(p+"."+e.key, "%s", e.msg)
		}
		if !nameRe.MatchString(sc.Name) {
			bad(p+".name", "%q: use lower-case letters, digits, - and _ (up to 40)", sc.Name)
		} else if _, dup := out.schedules[sc.Name]; dup {
			bad(p+".name", "%q is used by two schedules", sc.Name)
		} else if s != nil {
			out.schedules[s.Name] = s
			out.order = append(out.order, s.Name)
		}
	}
	for i, pc := range c.Policies {
		p := fmt.Sprintf("policies[%d]", i)
		if !nameRe.MatchString(pc.Name) {
			bad(p+".name", "%q: use lower-case letters, digits, - and _ (up to 40)", pc.Name)
			continue
		}
		if _, dup := out.policies[pc.Name]; dup {
			bad(p+".name", "%q is used by two policies", pc.Name)
			continue
		}
		if len(pc.Levels) == 0 {
			bad(p+".levels", "a policy needs at least one level")
		}
		pol := &Policy{Name: pc.Name}
		for j, lc := range pc.Levels {
			lp := fmt.Sprintf("%s.levels[%d]", p, j)
			lv := Level{Schedule: lc.Schedule, Users: lc.Users, After: DefaultLevelDelay}
			switch {
			case lc.Schedule == "" && len(lc.Users) == 0:
				bad(lp, "name a schedule or users to page")
			case lc.Schedule != "" && len(lc.Users) > 0:
				bad(lp, "name a schedule or users, not both")
			case lc.Schedule != "":
				if _, ok := out.schedules[lc.Schedule]; !ok {
					bad(lp+".schedule", "no schedule is called %q (known: %s)", lc.Schedule, strings.Join(out.order, ", "))
				}
			}
			for k, u := range lc.Users {
				if !userIDRe.MatchString(u) {
					bad(fmt.Sprintf("%s.users[%d]", lp, k), "%q is not a Slack user id (they look like U0123ABCD)", u)
				}
			}
			if lc.After != "" {
				d, err := parseDuration(lc.After)
				if err != nil || d.days > 0 || d.real < time.Minute {
					bad(lp+".after", "%q: give a delay of at least 1m in minutes or hours, like 5m or 1h", lc.After)
				} else {
					lv.After = d.real
				}
			}
			pol.Levels = append(pol.Levels, lv)
		}
		out.policies[pol.Name] = pol
	}
	for i, sc := range c.Schedules {
		if sc.EscalationPolicy != "" {
			if _, ok := out.policies[sc.EscalationPolicy]; !ok {
				bad(fmt.Sprintf("schedules[%d].escalation_policy", i), "no policy is called %q (known: %s)", sc.EscalationPolicy, strings.Join(slices.Sorted(maps.Keys(out.policies)), ", "))
			}
		}
		if _, clash := out.policies[sc.Name]; clash && nameRe.MatchString(sc.Name) {
			bad(fmt.Sprintf("schedules[%d].name", i), "%q is also a policy name; `oncall page %s` would be ambiguous", sc.Name, sc.Name)
		}
	}
	return out, errs
}

type fieldErr struct{ key, msg string }

// compile checks one schedule; it returns nil when it cannot be used.
func (sc ScheduleConfig) compile() (*Schedule, []fieldErr) {
	var errs []fieldErr
	bad := func(key, format string, a ...any) { errs = append(errs, fieldErr{key, fmt.Sprintf(format, a...)}) }
	s := &Schedule{Name: sc.Name, Users: sc.Users, UserGroup: strings.TrimPrefix(sc.UserGroup, "@"), Channel: sc.Channel, Policy: sc.EscalationPolicy}
	loc, err := time.LoadLocation(sc.Zone)
	switch {
	case sc.Zone == "":
		bad("zone", "give an IANA time zone, like Europe/Berlin")
	case err != nil:
		bad("zone", "%q is not a known IANA time zone (like Europe/Berlin or America/New_York)", sc.Zone)
	}
	s.Loc = loc
	if len(sc.Users) == 0 {
		bad("users", "a rotation needs at least one user")
	}
	for i, u := range sc.Users {
		if !userIDRe.MatchString(u) {
			bad(fmt.Sprintf("users[%d]", i), "%q is not a Slack user id (they look like U0123ABCD)", u)
		}
	}
	d, err := parseDuration(sc.Shift)
	if err != nil || d.real%time.Minute != 0 {
		bad("shift", "%q: give a length like 24h, 1w or 12h", sc.Shift)
	} else if s.Shift = time.Duration(d.days)*24*time.Hour + d.real; s.Shift < time.Hour || s.Shift > 28*24*time.Hour {
		bad("shift", "%q: a shift lasts from 1h to 4w", sc.Shift)
	}
	wd, hh, mm, err := parseHandoff(sc.Handoff)
	if err != nil {
		bad("handoff", "%v", err)
	}
	start, err := time.Parse("2006-01-02", sc.Start)
	if err != nil {
		bad("start", "%q: give the date of the first shift as YYYY-MM-DD", sc.Start)
	}
	if sc.Channel != "" && !chanIDRe.MatchString(sc.Channel) {
		bad("channel", "%q is not a channel id (they look like C0123ABCD)", sc.Channel)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	base := time.Date(start.Year(), start.Month(), start.Day(), hh, mm, 0, 0, time.UTC)
	if wd >= 0 {
		base = base.AddDate(0, 0, (int(wd)-int(base.Weekday())+7)%7)
	}
	s.base = base
	return s, nil
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// parseHandoff reads "09:00" or "monday 09:00"; wd is -1 without a day.
func parseHandoff(s string) (wd time.Weekday, hh, mm int, err error) {
	f := strings.Fields(strings.ToLower(s))
	wd = -1
	if len(f) == 2 {
		d, ok := weekdays[f[0]]
		if !ok {
			return 0, 0, 0, fmt.Errorf("%q: %q is not a weekday", s, f[0])
		}
		wd, f = d, f[1:]
	}
	if len(f) != 1 {
		return 0, 0, 0, fmt.Errorf("%q: give the handoff time as HH:MM, or a weekday and a time (monday 09:00)", s)
	}
	hh, mm, ok := parseClock(f[0])
	if !ok {
		return 0, 0, 0, fmt.Errorf("%q: %q is not a time of day like 09:00", s, f[0])
	}
	return wd, hh, mm, nil
}

// errNoConfig is returned by New for an oncall section that does not
// validate.
var errNoConfig = errors.New("oncall config is invalid")

// HasTarget reports whether name is a schedule or an escalation policy,
// so other sections (incident severities) can check what they page.
func (c Config) HasTarget(name string) bool {
	for _, s := range c.Schedules {
		if s.Name == name {
			return true
		}
	}
	for _, p := range c.Policies {
		if p.Name == name {
			return true
		}
	}
	return false
}
