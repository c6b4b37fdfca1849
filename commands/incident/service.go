// Package incident is opsbot's incident desk: incidents with severities,
// roles, notes and status updates, kept in Redis with every transition
// atomic and written to a timeline; one message per incident that
// updates in place, with buttons; optional channels per incident;
// automatic paging of on-call by severity; reminders when a status update
// is overdue; and a postmortem draft built from the timeline.
package incident

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"opsbot/bot"
	"opsbot/integrations/redisstore"
)

// Chat is the part of the transport the desk posts through.
type Chat interface {
	Post(ctx context.Context, m bot.Message) (ts string, err error)
	Update(ctx context.Context, channel, ts string, m bot.Message) error
}

// Scheduler keeps timed steps; jobs/loop.Loop is one.
type Scheduler interface {
	Schedule(ctx context.Context, kind, id string, due time.Time, payload string) error
	Cancel(ctx context.Context, kind, id string) error
}

// Pager pages on-call for an incident and stops the page when the
// incident is acknowledged; oncall.Service is one.
type Pager interface {
	PageTarget(ctx context.Context, target, message, by, channel, ref string) (id string, paged []string, err error)
	Acknowledge(ctx context.Context, id, user string) error
}

// escalations is a Pager that tells whom each level of a page reached
// and whom not (oncall.Service.OnPaged).
type escalations interface {
	OnPaged(func(ctx context.Context, ref, page string, level int, reached, failed []string))
}

// unreachable is a Pager that says why a page's DMs could not reach
// people, by user id (oncall.Service); the incident shows it and records
// it on its timeline.
type unreachable interface {
	Unreached(ctx context.Context, page string) (map[string]string, error)
}

// ChangeLookup tells whether a change request exists, so only real
// changes are linked to incidents; *change.Service is one.
type ChangeLookup interface {
	Exists(ctx context.Context, id string) (bool, error)
}

// ChangeLookupFunc is a ChangeLookup made of a function, for a change
// desk that is built after the incident desk.
type ChangeLookupFunc func(ctx context.Context, id string) (bool, error)

// Exists calls f.
func (f ChangeLookupFunc) Exists(ctx context.Context, id string) (bool, error) { return f(ctx, id) }

// Channels creates an incident's own channel (conversations.create,
// conversations.invite, pins.add). The console has none.
type Channels interface {
	CreateChannel(ctx context.Context, name string) (id string, err error)
	Invite(ctx context.Context, channel string, users ...string) error
	Pin(ctx context.Context, channel, ts string) error
}

// Deps are what the desk works with. Store, Chat and Steps are required.
type Deps struct {
	Store *redisstore.Store
	Chat  Chat
	Steps Scheduler
	// Pager pages on-call for severities that say so; nil pages nobody.
	// When it also tells of escalations (OnPaged, as oncall.Service
	// does), New subscribes, so people paged at later levels are recorded
	// on the incident and invited to its channel.
	Pager Pager
	// Channels makes per-incident channels; nil skips them with a note.
	Channels Channels
	// Changes checks that a linked change exists; nil links any change
	// id unchecked.
	Changes ChangeLookup
	// Clock tells the time; nil means time.Now.
	Clock   func() time.Time
	Log     *slog.Logger
	Metrics prometheus.Registerer
}

// StepRemind is the loop step that reminds a commander of an overdue
// status update.
const StepRemind = "incident.remind"

// Service is the incident desk.
type Service struct {
	cfg      *compiled
	st       *store
	chat     Chat
	steps    Scheduler
	pager    Pager
	channels Channels
	changes  ChangeLookup
	now      func() time.Time
	log      *slog.Logger
	metrics  *metrics
	// missed holds whom the first level of a page being raised could not
	// reach (page id → user ids), heard from the pager before PageTarget
	// returns, for pageFor to take.
	missed sync.Map
}

// New checks cfg and returns the desk, registering its metrics.
func New(cfg Config, d Deps) (*Service, error) {
	c, errs := cfg.compile()
	if len(errs) > 0 {
		return nil, fmt.Errorf("incident config: %w", errs[0])
	}
	if d.Store == nil || d.Chat == nil || d.Steps == nil {
		return nil, fmt.Errorf("incident: Store, Chat and Steps are required")
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: c, st: &store{rdb: d.Store.Client(), key: d.Store.Key, max: c.timelineMax}, chat: d.Chat, steps: d.Steps,
		pager: d.Pager, channels: d.Channels, changes: d.Changes, now: d.Clock, log: d.Log}
	s.metrics = newMetrics(d.Metrics, s.st, d.Log)
	if e, ok := d.Pager.(escalations); ok {
		e.OnPaged(s.pagedByEscalation)
	}
	return s, nil
}

// Describe is the help summary of the `incident` group.
const Describe = "open, run and close incidents"

// Commands returns the `incident …` commands.
func (s *Service) Commands() []bot.Command {
	r, v := bot.RoleResponder, bot.RoleViewer
	return []bot.Command{
		{Verb: "incident open", Args: "<sev1..sev4> <title>", Summary: "Open an incident; severities that page do so at once",
			Examples: []string{"incident open sev2 checkout latency above 2s"}, Role: r, Handler: s.cmdOpen},
		{Verb: "incident new", Summary: "Open an incident with a form (title, severity, description, affected services)",
			Examples: []string{"incident new"}, Role: r, Handler: s.cmdNew},
		{Verb: "incident ack", Args: "[INC]", Summary: "Acknowledge an incident (stops paging)",
			Examples: []string{"incident ack INC-42", "incident ack (in the incident's thread or channel)"}, Role: r, Handler: s.cmdAck},
		{Verb: "incident resolve", Args: "[INC] [summary]", Summary: "Resolve an incident, with what fixed it",
			Examples: []string{"incident resolve INC-42 rolled back release 1.8"}, Role: r, Handler: s.cmdResolve},
		{Verb: "incident reopen", Args: "[INC]", Summary: "Reopen a resolved incident",
			Examples: []string{"incident reopen INC-42"}, Role: r, Handler: s.cmdReopen},
		{Verb: "incident sev", Args: "[INC] <sev1..sev4>", Summary: "Change an incident's severity",
			Examples: []string{"incident sev INC-42 sev1"}, Role: r, Handler: s.cmdSev},
		{Verb: "incident role", Args: "[INC] <commander|comms|ops> <@user|me>", Summary: "Give someone a role in an incident",
			Examples: []string{"incident role INC-42 commander @alice", "incident role INC-42 comms me"}, Role: r, Handler: s.cmdRole},
		{Verb: "incident note", Args: "[INC] <text>", Summary: "Add a note to the timeline (start with follow-up: for the postmortem's follow-ups)",
			Examples: []string{"incident note INC-42 replica lag is back to 0", "incident note INC-42 follow-up: alert on replica lag"}, Role: r, Handler: s.cmdNote},
		{Verb: "incident status", Args: "[INC] <text>", Summary: "Post a status update to the incident's channels",
			Examples: []string{"incident status INC-42 failover done, error rate falling"}, Role: r, Handler: s.cmdStatus},
		{Verb: "incident link", Args: "[INC] <CHG-n | alert <name>>", Summary: "Link a change or an alert to an incident, for show and the postmortem",
			Examples: []string{"incident link INC-42 CHG-7", "incident link INC-42 alert CheckoutLatencyHigh"}, Role: r, Handler: s.cmdLink},
		{Verb: "incident list", Args: "[open|resolved|all] [sev1..sev4] [mine]", Summary: "List incidents, newest first (default: open)",
			Examples: []string{"incident list", "incident list all sev1", "incident list resolved mine"}, Role: v, Handler: s.cmdList},
		{Verb: "incident show", Args: "[INC]", Summary: "Show an incident",
			Examples: []string{"incident show INC-42"}, Role: v, Handler: s.cmdShow},
		{Verb: "incident timeline", Args: "[INC]", Summary: "Show an incident's timeline",
			Examples: []string{"incident timeline INC-42"}, Role: v, Handler: s.cmdTimeline},
		{Verb: "incident postmortem", Args: "[INC]", Summary: "Draft a postmortem (Markdown file) from the timeline",
			Examples: []string{"incident postmortem INC-42"}, Role: v, Handler: s.cmdPostmortem},
	}
}

// Actions returns the routes of the incident message's buttons.
func (s *Service) Actions() []bot.Route {
	r := bot.RoleResponder
	return []bot.Route{
		{ID: "incident.ack", Role: r, Handler: s.clickAck},
		{ID: "incident.resolve", Role: r, Handler: s.clickResolve},
		{ID: "incident.commander", Role: r, Handler: s.clickCommander},
		{ID: "incident.note", Role: r, Handler: s.clickNote},
	}
}

// Views returns the routes of the desk's modals.
func (s *Service) Views() []bot.Route {
	r := bot.RoleResponder
	return []bot.Route{
		{ID: "incident.new", Role: r, Handler: s.submitNew},
		{ID: "incident.note", Role: r, Handler: s.submitNote},
	}
}

// Steps returns the handlers of this package's loop steps by kind.
func (s *Service) Steps() map[string]func(ctx context.Context, id, payload string) error {
	return map[string]func(context.Context, string, string) error{StepRemind: s.remindStep}
}
