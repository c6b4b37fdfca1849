package summary

import (
	"context"
	"time"

	"opsbot/bot"
)

// JobTimeout bounds one scheduled summary: the sections (each within
// its timeout, all at once), then the post and the chart's upload.
const JobTimeout = 5 * time.Minute

// lateAfter is how late a scheduled run may start before its post says
// it comes late (opsbot was down at its time).
const lateAfter = 15 * time.Minute

// Jobs offers one job per configured summary: daily-summary, or
// summary-<name>.
func (s *Service) Jobs() []bot.Job {
	out := make([]bot.Job, 0, len(s.cfg))
	for _, sum := range s.cfg {
		what := "posts the daily health summary in " + sum.Channel
		if sum.Name != "" {
			what = "posts the health summary " + sum.Name + " in " + sum.Channel
		}
		out = append(out, bot.Job{Name: JobName(sum.Name), Summary: what,
			Schedule: sum.schedule(), Zone: sum.Zone, Timeout: JobTimeout,
			Run: func(ctx context.Context, jr bot.JobRun) error {
				now := s.d.Clock()
				return s.Post(ctx, sum, now, occasionOf(jr, now))
			}})
	}
	return out
}

// occasionOf says how run came about: by hand, or late after downtime.
func occasionOf(jr bot.JobRun, now time.Time) occasion {
	o := occasion{by: jr.By}
	if jr.By == "" && (jr.Missed > 0 || now.Sub(jr.Due) > lateAfter) {
		o.due, o.missed = jr.Due, jr.Missed
	}
	return o
}
