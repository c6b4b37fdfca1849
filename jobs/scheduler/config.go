package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"opsbot/bot"
)

// Config is the jobs section: per job, by name, what to change of the
// job its domain offers. Every field may be left out.
type Config map[string]JobConfig

// JobConfig overrides one job.
type JobConfig struct {
	Schedule string        `yaml:"schedule"`
	Zone     string        `yaml:"zone"`
	CatchUp  string        `yaml:"catch_up"`
	Timeout  time.Duration `yaml:"timeout"`
	// Off leaves the job out.
	Off bool `yaml:"off"`
}

// Validate says what in c cannot work, as "<job>.<key>: <problem>".
func (c Config) Validate() []error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(c)) {
		j := c[name]
		if j.Schedule != "" {
			if _, _, err := Parse(j.Schedule, ""); err != nil {
				errs = append(errs, fmt.Errorf("%s.schedule: %v", name, err))
			}
		}
		if j.Zone != "" {
			if _, _, err := Parse("@daily", j.Zone); err != nil {
				errs = append(errs, fmt.Errorf("%s.zone: %v", name, err))
			}
		}
		if j.CatchUp != "" && j.CatchUp != "latest" && j.CatchUp != "none" {
			errs = append(errs, fmt.Errorf("%s.catch_up: %q: use latest or none", name, j.CatchUp))
		}
		if j.Timeout < 0 {
			errs = append(errs, fmt.Errorf("%s.timeout: must not be negative", name))
		}
	}
	return errs
}

// Apply returns j as the config says (and false when it is off).
func (c Config) Apply(j bot.Job) (bot.Job, bool) {
	o, ok := c[j.Name]
	if !ok {
		return j, true
	}
	if o.Off {
		return j, false
	}
	if o.Schedule != "" {
		j.Schedule = o.Schedule
	}
	if o.Zone != "" {
		j.Zone = o.Zone
	}
	if o.CatchUp != "" {
		j.CatchUp = o.CatchUp
	}
	if o.Timeout > 0 {
		j.Timeout = o.Timeout
	}
	return j, true
}

// Unknown lists the configured names no job has, for a warning.
func (c Config) Unknown(s *Scheduler) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(c)) {
		if _, ok := s.entry(name); !ok && !c[name].Off {
			out = append(out, name)
		}
	}
	return out
}
