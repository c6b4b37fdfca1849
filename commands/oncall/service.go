// Package oncall is opsbot's on-call desk: rotations with overrides kept
// in Redis, `oncall who/schedule/override/page` commands, paging along
// escalation policies with acknowledgements, handoff notices and Slack
// user-group sync. Timed work (escalations, handoffs) runs as steps of a
// shared background loop, so every replica may serve and each step
// happens once.
package oncall

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/bot/blocks"
	"opsbot/integrations/redisstore"
)

// Chat is the part of the transport oncall posts through: DMs for pages
// (Channel = a user id) and handoff notices.
type Chat interface {
	Post(ctx context.Context, m bot.Message) (ts string, err error)
	Update(ctx context.Context, channel, ts string, m bot.Message) error
}

// Scheduler keeps timed steps; jobs/loop.Loop is one. Schedule replaces an
// earlier schedule of the same kind and id.
type Scheduler interface {
	Schedule(ctx context.Context, kind, id string, due time.Time, payload string) error
	Cancel(ctx context.Context, kind, id string) error
}

// UserGroups sets a Slack user group's members (usergroups.users.update).
type UserGroups interface {
	SetMembers(ctx context.Context, handle string, users []string) error
}

// Auditor records domain events (escalations, handoffs) in the trail.
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// Deps are what the on-call desk works with. Store, Chat and Steps are
// required; the rest may be nil.
type Deps struct {
	Store *redisstore.Store
	Chat  Chat
	Steps Scheduler
	// Groups keeps schedules' user groups in sync; nil skips that.
	Groups UserGroups
	Audit  Auditor
	// Clock tells the time; nil means time.Now.
	Clock   func() time.Time
	Log     *slog.Logger
	Metrics prometheus.Registerer
}

// Step kinds this package handles; see Steps.
const (
	StepEscalate = "oncall.escalate"
	StepHandoff  = "oncall.handoff"
)

// Service is the on-call desk.
type Service struct {
	cfg       *compiled
	rdb       redis.UniversalClient
	key       func(...string) string
	chat      Chat
	steps     Scheduler
	groups    UserGroups
	audit     Auditor
	now       func() time.Time
	log       *slog.Logger
	overrides *overrideStore
	metrics   *metrics

	mu      sync.RWMutex
	onAcks  []AckFunc
	onPaged []PagedFunc
}

// PagedFunc hears whom a page raised for ref (an incident id) reached at
// a level (0 is the first) and whom it could not, so the incident can
// record and invite them. It is an alias so that other packages can
// accept it without importing this one.
type PagedFunc = func(ctx context.Context, ref, page string, level int, reached, failed []string)

// OnPaged adds fn to those told whenever a page raised for a reference
// DMs a level. Set it while wiring, before serving.
func (s *Service) OnPaged(fn PagedFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onPaged = append(s.onPaged, fn)
}

// AckFunc hears of an acknowledged page that was raised for ref (an
// incident id), so the incident can be acknowledged too.
type AckFunc func(ctx context.Context, ref, user string)

// New checks cfg and returns the desk.
func New(cfg Config, d Deps) (*Service, error) {
	c, errs := cfg.compile()
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %v", errNoConfig, errs[0])
	}
	if d.Store == nil || d.Chat == nil || d.Steps == nil {
		return nil, fmt.Errorf("oncall: Store, Chat and Steps are required")
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		cfg: c, rdb: d.Store.Client(), key: d.Store.Key, chat: d.Chat, steps: d.Steps, groups: d.Groups,
		audit: d.Audit, now: d.Clock, log: d.Log, overrides: newOverrideStore(d.Store.Client(), d.Store.Key),
		metrics: newMetrics(d.Metrics),
	}, nil
}

// OnAcknowledge adds fn to those told when a page raised for a reference
// is acknowledged. Set it while wiring, before serving.
func (s *Service) OnAcknowledge(fn AckFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onAcks = append(s.onAcks, fn)
}

// Steps returns the handlers of this package's loop steps by kind.
func (s *Service) Steps() map[string]func(ctx context.Context, id, payload string) error {
	return map[string]func(context.Context, string, string) error{
		StepEscalate: s.escalateStep,
		StepHandoff:  s.handoffStep,
	}
}

// Start schedules a handoff check of every schedule now; each check
// schedules the next at the following change of person. Every replica
// may call it: a check that finds nothing changed does nothing.
func (s *Service) Start(ctx context.Context) error {
	now := s.now()
	for _, name := range s.cfg.order {
		if err := s.steps.Schedule(ctx, StepHandoff, name, now, ""); err != nil {
			return fmt.Errorf("schedule handoff check of %s: %w", name, err)
		}
	}
	return nil
}

// Schedules names the configured schedules in config order.
func (s *Service) Schedules() []string { return append([]string(nil), s.cfg.order...) }

// schedule finds a schedule by name, or says which exist.
func (s *Service) schedule(name string) (*Schedule, error) {
	if sc, ok := s.cfg.schedules[strings.ToLower(name)]; ok {
		return sc, nil
	}
	if len(s.cfg.order) == 0 {
		return nil, bot.Errorf(bot.CodeNotFound, "no on-call schedules are configured (oncall.schedules in the config)")
	}
	return nil, bot.Errorf(bot.CodeNotFound, "there is no schedule %q; the schedules are: %s", name, strings.Join(s.cfg.order, ", "))
}

// OnCall is who is on call for a schedule at a moment, and who follows.
type OnCall struct {
	Schedule *Schedule
	Now      Segment
	Next     Segment
}

// WhoIsOnCall answers for one schedule at t.
func (s *Service) WhoIsOnCall(ctx context.Context, schedule string, t time.Time) (OnCall, error) {
	sc, err := s.schedule(schedule)
	if err != nil {
		return OnCall{}, err
	}
	all, err := s.overrides.all(ctx)
	if err != nil {
		return OnCall{}, bot.Unavailable("the state store", err)
	}
	return whoAt(sc, all[sc.Name], t), nil
}

func whoAt(sc *Schedule, ovs []Override, t time.Time) OnCall {
	oc := OnCall{Schedule: sc, Now: segmentAt(sc, ovs, t)}
	if !oc.Now.End.IsZero() {
		oc.Next = segmentAt(sc, ovs, oc.Now.End)
	}
	return oc
}

// name shows a user in code blocks and logs: the configured name, else
// the id.
func (s *Service) name(id string) string {
	if n, ok := s.cfg.names[id]; ok {
		return "@" + n
	}
	if id == "" {
		return "nobody"
	}
	return id
}

// knownPeople lists the configured names for messages.
func (s *Service) knownPeople() string {
	names := slices.Sorted(maps.Keys(s.cfg.people))
	if len(names) == 0 {
		return "mention them (@name) or give their user id (U0123ABCD)"
	}
	return "mention them (@name), give their user id (U0123ABCD) or one of: " + strings.Join(names, ", ")
}

// mention is how a user appears in chat text.
func mention(id string) string {
	if id == "" {
		return "nobody"
	}
	return blocks.Mention(id)
}

func sortedOverrides(all map[string][]Override, schedule string) []Override {
	var out []Override
	for name, l := range all {
		if schedule == "" || name == schedule {
			out = append(out, l...)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Seq < out[j].Seq
	})
	return out
}
