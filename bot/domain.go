package bot

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// The domain contract. A domain (incidents, on-call, changes, alerts, …)
// is one package under commands/ whose New(cfg, Deps) returns a value
// implementing whichever of these small interfaces it needs; cmd/opsbot
// mounts every domain through one loop over a list, so adding a domain
// is its own package plus one line there.

// CommandSet offers verbs to the router.
type CommandSet interface {
	Commands() []Command
}

// ActionSet handles button clicks, routed by action_id (prefix "domain.").
type ActionSet interface {
	Actions() []Route
}

// ViewSet handles modal submissions, routed by callback_id.
type ViewSet interface {
	Views() []Route
}

// StepFunc runs one step of the step loop: a piece of work due at a time,
// claimed once across replicas (an escalation, a change window).
type StepFunc = func(ctx context.Context, id, payload string) error

// StepSet handles step kinds of the step loop.
type StepSet interface {
	Steps() map[string]StepFunc
}

// HomeSection is one titled part of a user's App Home.
type HomeSection struct {
	Title  string
	Render func(ctx context.Context, userID string) ([]slack.Block, error)
}

// HomeProvider offers App Home sections.
type HomeProvider interface {
	HomeSections() []HomeSection
}

// HTTPProvider offers HTTP handlers (webhooks) by path, served beside
// /healthz, /readyz and /metrics.
type HTTPProvider interface {
	Handlers() map[string]http.Handler
}

// Describer names the verb groups the domain's commands belong to, with
// the one-line summary help shows for each.
type Describer interface {
	Groups() map[string]string
}

// Starter has work to do once when opsbot starts (before serving),
// such as scheduling the first step of something recurring.
type Starter interface {
	Start(ctx context.Context) error
}

// Runner has background work that runs until ctx ends (a delivery
// worker, a sweep); Run returns when it has stopped.
type Runner interface {
	Run(ctx context.Context) error
}

// Waiter has work in flight at a stop (a run over SSH) that must finish,
// not be cut off; Wait returns when it has.
type Waiter interface {
	Wait()
}

// Job is recurring work a domain offers the scheduler (jobs/scheduler):
// each occurrence of its schedule runs once, whatever the number of
// replicas, and is recorded.
type Job struct {
	// Name is how people name it in `jobs run <name>`.
	Name string
	// Summary is one line for `jobs list`.
	Summary string
	// Schedule is a cron expression of 5 fields or a descriptor
	// (@daily, @hourly, @every 10m), read in Zone (IANA; "" is UTC).
	Schedule, Zone string
	// CatchUp says what happens to occurrences missed while every replica
	// was down: "latest" (the default) runs the latest of them once,
	// saying so; "none" skips them.
	CatchUp string
	// Timeout bounds one run (default 10 minutes).
	Timeout time.Duration
	// Run does the work of one occurrence.
	Run func(ctx context.Context, run JobRun) error
}

// JobRun is one occurrence of a Job being run.
type JobRun struct {
	// Due is the occurrence's time (now, for a run by hand).
	Due time.Time
	// By is who ran it by hand (a user id), "" for the schedule.
	By string
	// Missed counts the occurrences before Due missed while every replica
	// was down, which this run stands in for (catch_up: latest).
	Missed int
}

// JobSet offers recurring jobs to the scheduler.
type JobSet interface {
	Jobs() []Job
}

// SummaryProvider offers a section of the daily health summary
// (commands/summary), which asks every mounted domain in mount order.
// A domain with nothing to say returns nil; one whose source is partly
// down says so in its text; an error leaves the section out with one
// line saying why, and the rest of the summary still posts.
type SummaryProvider interface {
	SummarySection(ctx context.Context, r SummaryRequest) (*SummarySection, error)
}

// SummaryRequest is what one summary asks of each domain.
type SummaryRequest struct {
	// Name is the summary's name ("" for the daily summary).
	Name string
	// Now is the moment the summary describes: its occurrence, or the
	// time of `summary now`. "The last 24 h" ends here.
	Now time.Time
	// Loc is the summary's zone, which times are written in.
	Loc *time.Location
	// Selector, when set, narrows the summary to part of the inventory:
	// a label selector ("team=payments,env=prod") that each section
	// applies where its data has labels (targets and alerts by theirs,
	// changes by their hosts'), and ignores where it has none.
	Selector string
	// Days are the starts of the chart's days, oldest first: 24-hour
	// spans, the last of them ending at Now.
	Days []time.Time
}

// Since is the start of the summary's last 24 hours.
func (r SummaryRequest) Since() time.Time { return r.Now.Add(-24 * time.Hour) }

// Day is the index in Days of the 24-hour span holding t, or -1 when t
// is before the first or after Now.
func (r SummaryRequest) Day(t time.Time) int {
	if len(r.Days) == 0 || t.Before(r.Days[0]) || t.After(r.Now) {
		return -1
	}
	return min(int(t.Sub(r.Days[0])/(24*time.Hour)), len(r.Days)-1)
}

// SummarySection is one domain's part of the summary.
type SummarySection struct {
	// Title is plain text ("Incidents").
	Title string
	// Text is Slack text, escaped where it came from data or people
	// (bot/blocks); the summary cuts it to one section block.
	Text string
	// Series are optional counts per day for the summary's chart, one
	// value per SummaryRequest.Days entry ("incidents opened").
	Series []SummarySeries
}

// SummarySeries is one line of the summary's chart.
type SummarySeries struct {
	Name   string
	Values []float64
}

// Labels reads Selector as key=value pairs separated by commas; nil when
// it is empty. Pairs that do not read as key=value are skipped (the
// summary's config refuses them).
func (r SummaryRequest) Labels() map[string]string {
	if strings.TrimSpace(r.Selector) == "" {
		return nil
	}
	out := map[string]string{}
	for _, part := range strings.Split(r.Selector, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && k != "" && v != "" {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

// ReadyDetailer adds a line to /readyz's detail that never makes opsbot
// unready (the inventory's sources: one that did not read keeps its last
// good assets).
type ReadyDetailer interface {
	ReadyDetail(ctx context.Context) string
}
