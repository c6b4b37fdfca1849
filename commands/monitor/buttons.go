package monitor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/commands/incident"
	"opsbot/integrations/alertmanager"
)

// Action ids of the buttons on alert messages; each button's value is the
// group id.
const (
	actionAck       = "alert.ack"
	actionSilence   = "alert.silence." // + 1h, 4h, 24h
	actionUnsilence = "alert.unsilence"
	actionIncident  = "alert.incident"
	actionRunbook   = "alert.runbook"
)

// Actions returns the button routes to register with router.RegisterAction.
func (s *Service) Actions() []bot.Route {
	return []bot.Route{
		{ID: actionAck, Role: bot.RoleResponder, Handler: s.ack},
		{ID: actionSilence, Role: bot.RoleResponder, Handler: s.silenceClick},
		{ID: actionUnsilence, Role: bot.RoleResponder, Handler: s.unsilenceClick},
		{ID: actionIncident, Role: bot.RoleResponder, Handler: s.incidentClick},
		// Slack reports link button clicks too; there is nothing to do.
		{ID: actionRunbook, Role: bot.RoleViewer, Handler: func(context.Context, *bot.Request) (*bot.Reply, error) { return nil, nil }},
	}
}

// clicked loads the group a button belongs to.
func (s *Service) clicked(ctx context.Context, req *bot.Request) (*group, error) {
	if req.Action == nil || req.Action.Value == "" {
		return nil, bot.Errorf(bot.CodeInvalid, "this button does not name an alert group")
	}
	g, err := s.st.load(ctx, req.Action.Value)
	if errors.Is(err, errNoGroup) {
		return nil, bot.Errorf(bot.CodeNotFound, "this alert group is no longer tracked (resolved more than a week ago); use `alerts` for what fires now")
	}
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	return g, nil
}

// current answers a click with the group's message as it is now.
func (s *Service) current(ctx context.Context, id string) (*bot.Reply, error) {
	g, err := s.st.load(ctx, id)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	m := s.message(ctx, g)
	if g.Digest {
		return &bot.Reply{Text: m.Text, Blocks: m.Blocks, Visibility: bot.VisibleToRequester}, nil
	}
	return &bot.Reply{Text: m.Text, Blocks: m.Blocks, ReplaceOriginal: true}, nil
}

func (s *Service) ack(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	g, err := s.clicked(ctx, req)
	if err != nil {
		return nil, err
	}
	if g.Ack == nil { // a second click shows who was first
		if err := s.st.setJSON(ctx, g.ID, "ack", mark{User: req.UserID, At: s.now()}); err != nil {
			return nil, bot.Unavailable("the state store", err)
		}
		s.record(ctx, req, "alert.ack", groupTitle(g.Msg), "ok")
	}
	return s.current(ctx, g.ID)
}

func (s *Service) silenceClick(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if err := s.needAM(); err != nil {
		return nil, err
	}
	g, err := s.clicked(ctx, req)
	if err != nil {
		return nil, err
	}
	d, err := parseDuration(req.Action.ID[len(actionSilence):])
	if err != nil {
		return nil, bot.Errorf(bot.CodeInvalid, "unknown silence button %q", req.Action.ID)
	}
	if g.Silence != nil && g.Silence.Until.After(s.now()) || g.Msg.Status != alertmanager.StatusFiring {
		return s.current(ctx, g.ID) // stale click
	}
	if max := time.Duration(s.cfg.MaxSilence); d > max { // a button drawn before the limit was lowered
		return nil, bot.Errorf(bot.CodeInvalid, "silences may last at most %s here; use `silence` with the group's matchers and a shorter duration", fmtDuration(max))
	}
	labels := g.Msg.GroupLabels
	if len(labels) == 0 {
		labels = g.Msg.CommonLabels
	}
	var ms []alertmanager.Matcher
	for k, v := range labels {
		m, err := alertmanager.NewMatcher(k, alertmanager.MatchEqual, v)
		if err != nil {
			return nil, fmt.Errorf("silence matcher %s: %w", k, err)
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 {
		return nil, bot.Errorf(bot.CodeInvalid, "this alert group has no common labels to silence by; use the `silence` command with matchers")
	}
	until := s.now().Add(d)
	id, err := s.d.Alertmanager.CreateSilence(ctx, alertmanager.Silence{
		Matchers: ms, EndsAt: until, CreatedBy: req.UserID,
		Comment: fmt.Sprintf("Silenced from chat by %s for %s (%s)", req.UserID, d, groupTitle(g.Msg)),
	})
	if err != nil {
		return nil, s.amError("create the silence", err)
	}
	if err := s.st.setJSON(ctx, g.ID, "silence", silenceMark{ID: id, User: req.UserID, Until: until}); err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	if err := s.st.trackSilence(ctx, g.ID, until); err != nil {
		s.log.Warn("the message will not show when the silence ends", "group", g.ID, "err", err)
	}
	// so that `unsilence <id>` can update this message too
	s.st.rdb.Set(ctx, s.st.key("monitor", "silence", id), g.ID, d+time.Hour)
	s.record(ctx, req, "alert.silence", fmt.Sprintf("%s for %s: silence %s", groupTitle(g.Msg), d, id), "ok")
	return s.current(ctx, g.ID)
}

func (s *Service) unsilenceClick(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if err := s.needAM(); err != nil {
		return nil, err
	}
	g, err := s.clicked(ctx, req)
	if err != nil {
		return nil, err
	}
	if g.Silence == nil {
		return s.current(ctx, g.ID) // stale click
	}
	if err := s.d.Alertmanager.ExpireSilence(ctx, g.Silence.ID); err != nil && !errors.Is(err, alertmanager.ErrNotFound) {
		return nil, s.amError("expire the silence", err)
	}
	if err := s.st.setJSON(ctx, g.ID, "silence", nil); err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	s.st.untrackSilence(ctx, g.ID)
	s.record(ctx, req, "alert.unsilence", groupTitle(g.Msg)+": silence "+g.Silence.ID, "ok")
	return s.current(ctx, g.ID)
}

func (s *Service) incidentClick(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	g, err := s.clicked(ctx, req)
	if err != nil {
		return nil, err
	}
	if s.d.Incidents == nil {
		return nil, bot.Errorf(bot.CodeUnavailable, "incidents are not set up in this opsbot")
	}
	if g.Incident != "" {
		return s.current(ctx, g.ID) // stale click
	}
	lockKey := s.st.key("monitor", "incident", g.ID)
	if g.Episode != "" { // fired again after it resolved: a new incident may be opened
		lockKey = s.st.key("monitor", "incident", g.ID, g.Episode)
	}
	ok, err := s.st.rdb.SetNX(ctx, lockKey, "opening", groupTTL).Result()
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	if !ok {
		return s.current(ctx, g.ID) // someone else opened it, or is opening it
	}
	link := groupLink(g.Msg)
	title := groupTitle(g.Msg)
	if sum := g.Msg.CommonAnnotations["summary"]; sum != "" {
		title += ": " + sum
	}
	id, err := s.d.Incidents.OpenFromAlert(ctx, incident.FromAlert{Title: title, Severity: g.Msg.CommonLabels["severity"],
		User: req.UserID, Link: link, Channel: req.Channel})
	if err != nil {
		s.st.rdb.Del(ctx, lockKey)
		return nil, err
	}
	s.st.rdb.Set(ctx, lockKey, id, groupTTL)
	if err := s.st.set(ctx, g.ID, "incident", id); err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	s.record(ctx, req, "alert.incident", groupTitle(g.Msg)+": "+id, "ok")
	return s.current(ctx, g.ID)
}

// groupLink is Alertmanager's page of the group's alerts.
func groupLink(m alertmanager.Message) string {
	if m.ExternalURL == "" {
		return ""
	}
	var ms alertmanager.Matchers
	for _, k := range slices.Sorted(maps.Keys(m.GroupLabels)) {
		if mt, err := alertmanager.NewMatcher(k, alertmanager.MatchEqual, m.GroupLabels[k]); err == nil {
			ms = append(ms, mt)
		}
	}
	if len(ms) == 0 {
		return m.ExternalURL
	}
	return strings.TrimRight(m.ExternalURL, "/") + "/#/alerts?filter=" + url.QueryEscape(ms.String())
}

// record notes a domain event in the audit trail when there is one.
func (s *Service) record(ctx context.Context, req *bot.Request, action, detail, outcome string) {
	if s.d.Audit == nil {
		return
	}
	s.d.Audit.Record(ctx, audit.Entry{User: req.UserID, Action: action, Channel: req.Channel, Detail: detail, Outcome: outcome})
}

// amError tells a person Alertmanager failed, with the URL tried.
func (s *Service) amError(what string, err error) error {
	var api *alertmanager.APIError
	if errors.As(err, &api) {
		if errors.Is(err, alertmanager.ErrNotFound) {
			return &bot.Error{Code: bot.CodeNotFound, Message: "Alertmanager has no such silence", Err: err}
		}
		return &bot.Error{Code: bot.CodeInvalid, Message: fmt.Sprintf("Alertmanager at %s refused to %s: %s", s.d.Alertmanager.URL(), what, api.Message), Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &bot.Error{Code: bot.CodeUnavailable, Message: fmt.Sprintf("Alertmanager at %s did not answer in time (trying to %s)", s.d.Alertmanager.URL(), what), Err: err}
	}
	return &bot.Error{Code: bot.CodeUnavailable, Message: fmt.Sprintf("could not reach Alertmanager at %s to %s; is it running?", s.d.Alertmanager.URL(), what), Err: err}
}
