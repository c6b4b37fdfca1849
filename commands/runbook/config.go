package runbook

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"opsbot/bot"
	"opsbot/commands/actions"
	"opsbot/commands/incident"
	"opsbot/commands/runner"
	"opsbot/jobs/scheduler"
)

// Config is the `runbooks` section: routine work run on a schedule.
type Config []Runbook

// Runbook is one scheduled run of a catalogue action.
type Runbook struct {
	// Name is the runbook's job (`jobs run nightly-backup`).
	Name string `yaml:"name"`
	// Schedule is five cron fields or a descriptor (@daily, @every 6h),
	// read in Zone (IANA; default UTC).
	Schedule string `yaml:"schedule"`
	Zone     string `yaml:"zone"`
	// Action names a catalogue action; Values give its parameters by
	// name (defaults fill the rest).
	Action string            `yaml:"action"`
	Values map[string]string `yaml:"values"`
	// Target selects the hosts as commands do: a host, a group, or labels
	// (role=db,env=prod); it is resolved again at every run.
	Target string `yaml:"target"`
	// Channel is where the run is reported (a channel id).
	Channel string `yaml:"channel"`
	// Owner is mentioned when a run fails: a user group id (S0123DBA), a
	// user id (U0123ABC), or a handle shown as text (@dba).
	Owner string `yaml:"owner"`
	// Approval is none (run at once) or change (file a change request at
	// each occurrence, which runs once approved). An action whose policy
	// asks for approval on the target's hosts needs change.
	Approval string `yaml:"approval"`
	// Incident, when set (sev1..sev4), opens an incident of that severity
	// when a run fails.
	Incident string `yaml:"incident"`
	// Policy shapes the fan-out (concurrency, batch_size,
	// stop_after_failures, stop_above_fraction), as in the changes section.
	runner.Policy `yaml:",inline"`
}

// The approvals a runbook may ask for.
const (
	ApprovalNone   = "none"
	ApprovalChange = "change"
)

var (
	nameRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	ownerRe = regexp.MustCompile(`^@?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$`)
)

// Validate says what in c cannot work on its own, as "[i].<key>:
// <problem>"; Check says what the catalogue refuses.
func (c Config) Validate() []error {
	var errs []error
	bad := func(i int, key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("[%d].%s: %s", i, key, fmt.Sprintf(format, a...)))
	}
	seen := map[string]int{}
	for i, rb := range c {
		switch j, dup := seen[rb.Name]; {
		case !nameRe.MatchString(rb.Name):
			bad(i, "name", "%q: use lower-case letters, digits and dashes (at most 40), like nightly-backup", rb.Name)
		case dup:
			bad(i, "name", "%q is the name of runbook [%d] too", rb.Name, j)
		}
		seen[rb.Name] = i
		if strings.TrimSpace(rb.Schedule) == "" {
			bad(i, "schedule", "say when it runs: five cron fields (\"0 2 * * *\") or @daily, @every 6h")
		} else if _, _, err := scheduler.Parse(rb.Schedule, rb.Zone); err != nil {
			key := "schedule"
			if strings.HasPrefix(err.Error(), "zone") {
				key = "zone"
			}
			bad(i, key, "%v", err)
		}
		for _, f := range [][2]string{{"action", rb.Action}, {"target", rb.Target}, {"channel", rb.Channel}} {
			if strings.TrimSpace(f[1]) == "" {
				bad(i, f[0], "is required")
			}
		}
		if !ownerRe.MatchString(rb.Owner) {
			bad(i, "owner", "say who is told of a failure: a user group id (S0123DBA), a user id (U0123ABC) or a handle (@dba)")
		}
		switch rb.Approval {
		case ApprovalNone, ApprovalChange:
		case "":
			bad(i, "approval", "say none (it runs at once) or change (it files a change request each time)")
		default:
			bad(i, "approval", "%q: use none or change", rb.Approval)
		}
		if rb.Incident != "" {
			if _, err := incident.ParseSeverity(rb.Incident); err != nil {
				bad(i, "incident", "%v", err)
			}
		}
		for _, err := range rb.Policy.Validate() {
			errs = append(errs, fmt.Errorf("[%d].%v", i, err))
		}
	}
	return errs
}

// Catalogue finds actions and resolves targets; *actions.Catalogue is one.
type Catalogue interface {
	Action(name string) (*actions.Action, error)
	actions.Resolver
}

// Check says, per runbook, what the catalogue refuses: an action it does
// not have, a target that selects no host, values the action does not
// take, or approval: none for an action that must be approved there. A
// runbook that cannot run is a config error, not a surprise at 02:00.
func (c Config) Check(ctx context.Context, cat Catalogue) []error {
	var errs []error
	for i, rb := range c {
		if _, err := rb.plan(ctx, cat); err != nil {
			key := "action"
			if ce, ok := errors.AsType[*checkError](err); ok {
				key = ce.key
			}
			errs = append(errs, fmt.Errorf("[%d].%s: %s", i, key, bot.UserMessage(err)))
		}
	}
	return errs
}

// checkError is why a runbook cannot be planned, with the key at fault.
type checkError struct {
	key string
	err error
}

func (e *checkError) Error() string { return e.err.Error() }
func (e *checkError) Unwrap() error { return e.err }

// plan binds the runbook's action to its values on the hosts its target
// selects now.
func (rb Runbook) plan(ctx context.Context, cat Catalogue) (*actions.Plan, error) {
	a, err := cat.Action(rb.Action)
	if err != nil {
		return nil, &checkError{"action", err}
	}
	hosts, err := cat.Resolve(ctx, rb.Target)
	if err != nil {
		return nil, &checkError{"target", err}
	}
	plan, err := a.Bind(nil, rb.Values, hosts)
	if err != nil {
		return nil, &checkError{"values", err}
	}
	if rb.Approval != ApprovalChange && a.NeedsApprovalOn(hosts) {
		return nil, &checkError{"approval", bot.Errorf(bot.CodeInvalid, "%s must be approved on hosts in %s, so the runbook needs approval: change", a.Name, strings.Join(plan.Envs(), ", "))}
	}
	return plan, nil
}
