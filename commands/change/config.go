package change

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"opsbot/bot"
	"opsbot/commands/runner"
)

// Config is the `changes` section: where requests are posted and the
// approval policy.
type Config struct {
	// Channel is where change requests are posted (channel id); empty
	// posts them where they were requested.
	Channel string `yaml:"channel"`
	// Approvals is how many distinct approvers a change needs (default 1).
	Approvals int `yaml:"approvals"`
	// ApproverRole may approve and reject (default approver).
	ApproverRole string `yaml:"approver_role"`
	// Expiry is how long a request may wait for approval (default 4h).
	Expiry time.Duration `yaml:"expiry"`
	// Freezes are windows in which only an admin may approve, and only
	// as an emergency with a reason.
	Freezes []FreezeConfig `yaml:"freezes"`
	// SilenceFor is how long alerts on a change's hosts are silenced
	// before it runs, when a silencer is wired (default 30m).
	SilenceFor time.Duration `yaml:"silence_for"`
	// Policy shapes a change's fan-out (concurrency, batch_size,
	// stop_after_failures, stop_above_fraction).
	runner.Policy `yaml:",inline"`
	// TimeZone reads and shows change windows (IANA name; default UTC).
	TimeZone string `yaml:"time_zone"`
	// WindowLength is a window's length when a request gives none
	// (default 1h).
	WindowLength time.Duration `yaml:"window_length"`
	// RunTimeout bounds one change's run (default 1h); a change still
	// running this long after it started (plus a minute) was interrupted
	// by a stop of opsbot and is marked failed.
	RunTimeout time.Duration `yaml:"run_timeout"`
}

// FreezeConfig is a recurring change freeze.
type FreezeConfig struct {
	// Start is a five-field cron spec for when the freeze begins
	// ("0 18 * * 5": Fridays at 18:00).
	Start string `yaml:"start"`
	// Duration is how long it lasts ("64h").
	Duration time.Duration `yaml:"duration"`
	// TimeZone the spec is read in (IANA name; default UTC).
	TimeZone string `yaml:"time_zone"`
	// Name is shown when an approval is refused ("weekend freeze").
	Name string `yaml:"name"`
}

// Validate lists every problem, each as "<key.path>: <problem>".
func (c Config) Validate() []error {
	_, errs := c.compile()
	return errs
}

type policy struct {
	channel      string
	approvals    int
	approverRole bot.Role
	expiry       time.Duration
	freezes      []freeze
	silenceFor   time.Duration
	rollout      runner.Policy
	loc          *time.Location
	windowLength time.Duration
	runTimeout   time.Duration
}

type freeze struct {
	name     string
	sched    cron.Schedule
	duration time.Duration
	loc      *time.Location
}

// active reports whether now falls in the freeze: a start lies in
// (now-duration, now].
func (f freeze) active(now time.Time) bool {
	return !f.sched.Next(now.Add(-f.duration).In(f.loc)).After(now)
}

func (c Config) compile() (*policy, []error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	p := &policy{channel: c.Channel, approvals: c.Approvals, approverRole: bot.RoleApprover, expiry: c.Expiry,
		silenceFor: c.SilenceFor, rollout: c.Policy,
		loc: time.UTC, windowLength: c.WindowLength, runTimeout: c.RunTimeout}
	if p.approvals == 0 {
		p.approvals = 1
	} else if p.approvals < 0 || p.approvals > 10 {
		bad("approvals: %d: use 1 to 10", c.Approvals)
	}
	if c.ApproverRole != "" {
		r, err := bot.ParseRole(c.ApproverRole)
		if err != nil {
			bad("approver_role: %v", err)
		}
		p.approverRole = r
	}
	if p.expiry == 0 {
		p.expiry = 4 * time.Hour
	} else if p.expiry < time.Minute {
		bad("expiry: %s is too short to find an approver; use at least 1m", c.Expiry)
	}
	if p.silenceFor == 0 {
		p.silenceFor = 30 * time.Minute
	}
	for _, err := range c.Policy.Validate() {
		bad("%v", err)
	}
	if c.TimeZone != "" {
		if loc, err := time.LoadLocation(c.TimeZone); err != nil {
			bad("time_zone: %q is not a known IANA time zone", c.TimeZone)
		} else {
			p.loc = loc
		}
	}
	if p.windowLength == 0 {
		p.windowLength = time.Hour
	} else if p.windowLength < time.Minute || p.windowLength > 24*time.Hour {
		bad("window_length: %s: use 1m to 24h", c.WindowLength)
	}
	if p.runTimeout == 0 {
		p.runTimeout = time.Hour
	} else if p.runTimeout < time.Minute {
		bad("run_timeout: %s is too short for a run over SSH; use at least 1m", c.RunTimeout)
	}
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)
	for i, fc := range c.Freezes {
		f := freeze{name: fc.Name, duration: fc.Duration, loc: time.UTC}
		if f.name == "" {
			f.name = fmt.Sprintf("freeze %d", i+1)
		}
		s, err := parser.Parse(fc.Start)
		if err != nil {
			bad("freezes[%d].start: %q: %v (five fields: minute hour day-of-month month day-of-week)", i, fc.Start, err)
		}
		f.sched = s
		if fc.Duration <= 0 {
			bad("freezes[%d].duration: give how long the freeze lasts, like 64h", i)
		}
		if fc.TimeZone != "" {
			loc, err := time.LoadLocation(fc.TimeZone)
			if err != nil {
				bad("freezes[%d].time_zone: %q is not a known IANA time zone", i, fc.TimeZone)
			} else {
				f.loc = loc
			}
		}
		p.freezes = append(p.freezes, f)
	}
	return p, errs
}

// frozen returns the name of the freeze now falls in, or "".
func (p *policy) frozen(now time.Time) string {
	name, _ := p.frozenAt(now)
	return name
}
