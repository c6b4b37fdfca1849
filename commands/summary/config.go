package summary

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"opsbot/jobs/scheduler"
)

// Config is the `summaries` section: the summaries opsbot posts on their
// schedules, one a team say, each a scheduled job.
type Config []Summary

// Summary is one configured summary.
type Summary struct {
	// Name tells summaries apart (`summary now payments`); leave it out
	// for the one daily summary. Its job is daily-summary, or
	// summary-<name>.
	Name string `yaml:"name"`
	// Schedule is when it is posted: five cron fields or a descriptor
	// (default "0 8 * * *", every day at 08:00), read in Zone.
	Schedule string `yaml:"schedule"`
	// Zone is the IANA zone of the schedule and of the times shown
	// (default UTC).
	Zone string `yaml:"zone"`
	// Channel is where it is posted (a channel id).
	Channel string `yaml:"channel"`
	// Selector narrows the summary to part of the inventory: labels
	// ("team=payments,env=prod") that sections apply where their data has
	// labels (Prometheus targets and alerts; the hosts of changes).
	Selector string `yaml:"selector"`
}

// DefaultSchedule posts a summary every day at 08:00 in its zone.
const DefaultSchedule = "0 8 * * *"

var (
	nameRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	labelRe = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// JobName is the scheduled job of the summary called name.
func JobName(name string) string {
	if name == "" {
		return "daily-summary"
	}
	return "summary-" + name
}

// Validate says what in c cannot work, as "[i].<key>: <problem>".
func (c Config) Validate() []error {
	var errs []error
	bad := func(i int, key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("[%d].%s: %s", i, key, fmt.Sprintf(format, a...)))
	}
	seen := map[string]int{}
	for i, s := range c {
		if s.Name != "" && !nameRe.MatchString(s.Name) {
			bad(i, "name", "%q: use lower-case letters, digits and dashes (at most 32), like payments", s.Name)
		}
		if j, dup := seen[s.Name]; dup {
			what := fmt.Sprintf("%q is the name of summary [%d] too", s.Name, j)
			if s.Name == "" {
				what = fmt.Sprintf("summary [%d] has no name either; name all but one (name: payments)", j)
			}
			bad(i, "name", "%s", what)
		}
		seen[s.Name] = i
		if _, _, err := scheduler.Parse(s.schedule(), s.Zone); err != nil {
			key := "schedule"
			if strings.HasPrefix(err.Error(), "zone") {
				key = "zone"
			}
			bad(i, key, "%v", err)
		}
		if strings.TrimSpace(s.Channel) == "" {
			bad(i, "channel", "say where the summary goes: a channel id, like C0123OPS")
		}
		if err := checkSelector(s.Selector); err != nil {
			bad(i, "selector", "%v", err)
		}
	}
	return errs
}

// checkSelector refuses a selector that is not key=value pairs.
func checkSelector(sel string) error {
	if strings.TrimSpace(sel) == "" {
		return nil
	}
	for _, part := range strings.Split(sel, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !labelRe.MatchString(strings.TrimSpace(k)) || strings.TrimSpace(v) == "" {
			return fmt.Errorf("%q: write labels as key=value pairs separated by commas, like team=payments,env=prod", sel)
		}
	}
	return nil
}

func (s Summary) schedule() string {
	if s.Schedule == "" {
		return DefaultSchedule
	}
	return s.Schedule
}

// location is the summary's zone (checked by Validate).
func (s Summary) location() *time.Location {
	if s.Zone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(s.Zone)
	if err != nil {
		return time.UTC
	}
	return loc
}
