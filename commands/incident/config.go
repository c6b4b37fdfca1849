package incident

import (
	"fmt"
	"regexp"
	"sort"
	"time"
)

// Config is the `incident` section.
type Config struct {
	// ChannelPerIncident opens a channel for each incident
	// (inc-42-db-latency), invites the reporter and whoever was paged, and
	// pins the incident's summary there.
	ChannelPerIncident bool `yaml:"channel_per_incident"`
	// ChannelPrefix begins those channels' names (default "inc").
	ChannelPrefix string `yaml:"channel_prefix"`
	// TimeZone shows times in messages and postmortems (default UTC).
	TimeZone string `yaml:"time_zone"`
	// Severities say, per severity (sev1..sev4), whom to page and how
	// often the commander owes a status update.
	Severities map[string]SeverityConfig `yaml:"severities"`
	// TimelineMax caps each incident's timeline stream (default 1000).
	TimelineMax int64 `yaml:"timeline_max"`
}

// SeverityConfig is the policy of one severity.
type SeverityConfig struct {
	// Page names what to page when an incident of this severity opens or
	// is raised to it: an on-call schedule or escalation policy.
	Page string `yaml:"page"`
	// UpdateEvery is how often a status update is due while the incident
	// is open ("30m"); the commander is reminded when one is overdue.
	UpdateEvery string `yaml:"update_every"`
}

var prefixRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,19}$`)

// Validate lists every problem, each as "<key.path>: <problem>".
func (c Config) Validate() []error {
	_, errs := c.compile()
	return errs
}

// policy is a checked severity policy.
type policy struct {
	page        string
	updateEvery time.Duration
}

type compiled struct {
	channelPerIncident bool
	prefix             string
	loc                *time.Location
	severities         [5]policy // by severity number; 0 unused
	timelineMax        int64
}

func (c Config) compile() (*compiled, []error) {
	var errs []error
	out := &compiled{channelPerIncident: c.ChannelPerIncident, prefix: c.ChannelPrefix, loc: time.UTC, timelineMax: c.TimelineMax}
	if out.prefix == "" {
		out.prefix = "inc"
	} else if !prefixRe.MatchString(out.prefix) {
		errs = append(errs, fmt.Errorf("channel_prefix: %q: use lower-case letters, digits, - and _ (up to 20)", c.ChannelPrefix))
	}
	if c.TimeZone != "" {
		loc, err := time.LoadLocation(c.TimeZone)
		if err != nil {
			errs = append(errs, fmt.Errorf("time_zone: %q is not a known IANA time zone (like Europe/Berlin)", c.TimeZone))
		} else {
			out.loc = loc
		}
	}
	if out.timelineMax == 0 {
		out.timelineMax = 1000
	} else if out.timelineMax < 100 {
		errs = append(errs, fmt.Errorf("timeline_max: %d is too small to hold an incident's story; use at least 100", c.TimelineMax))
	}
	names := make([]string, 0, len(c.Severities))
	for k := range c.Severities {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		sev, err := ParseSeverity(k)
		if err != nil {
			errs = append(errs, fmt.Errorf("severities.%s: not a severity; use sev1, sev2, sev3 or sev4", k))
			continue
		}
		sc := c.Severities[k]
		p := policy{page: sc.Page}
		if sc.UpdateEvery != "" {
			d, err := time.ParseDuration(sc.UpdateEvery)
			if err != nil || d < time.Minute {
				errs = append(errs, fmt.Errorf("severities.%s.update_every: %q: give a duration of at least 1m, like 30m or 2h", k, sc.UpdateEvery))
			}
			p.updateEvery = d
		}
		out.severities[sev] = p
	}
	return out, errs
}

// PageTargets lists the page targets by severity key, so the app can
// check them against the on-call config.
func (c Config) PageTargets() map[string]string {
	out := map[string]string{}
	for k, s := range c.Severities {
		if s.Page != "" {
			out[k] = s.Page
		}
	}
	return out
}
