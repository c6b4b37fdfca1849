package incident

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// MaxTitle is the longest incident title accepted.
const MaxTitle = 120

// The most the incident forms take in their other fields: Slack's limit
// for a text input, and a line's worth of services.
const (
	MaxDescription = 3000
	MaxServices    = 300
	MaxNote        = 3000
)

// OpenRequest is what opening an incident takes.
type OpenRequest struct {
	Title       string
	Severity    Severity
	Description string
	// Services lists the affected services or assets, as typed.
	Services string
	Reporter string
	// Channel is where the incident message goes (and status updates);
	// empty posts nothing.
	Channel string
	// Links are related alerts and changes ("alert db-latency",
	// "change CHG-7"), kept for the postmortem.
	Links []string
}

// Opened is an opened incident and what could not be done beside it.
type Opened struct {
	Incident *Incident
	// Notes say what went only partly right (a page or a channel that
	// failed); the incident stands.
	Notes []string
}

// Open opens an incident: it is numbered and stored with its indexes and
// first timeline entry, on-call is paged when the severity says so, its
// channel is made when configured, and its message is posted. Redis sees
// three round trips of the desk's own (number, store, record messages
// with the first status reminder in one pipeline); paging adds the
// pager's own (four with oncall and one person paged).
func (s *Service) Open(ctx context.Context, r OpenRequest) (*Opened, error) {
	if msg := checkTitle(r.Title); msg != "" {
		return nil, bot.Errorf(bot.CodeInvalid, "%s", msg)
	}
	if r.Severity < 1 || r.Severity > 4 {
		return nil, bot.Errorf(bot.CodeInvalid, "choose a severity from sev1 (worst) to sev4")
	}
	n, err := s.st.next(ctx)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	now := s.now()
	inc := &Incident{Num: n, Title: strings.TrimSpace(r.Title), Severity: r.Severity, Description: strings.TrimSpace(r.Description),
		Services: strings.TrimSpace(r.Services), State: StateOpen, Reporter: r.Reporter, Created: now, Opened: now, Channel: r.Channel}
	if err := s.st.open(ctx, inc, r.Links); err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	out := &Opened{Incident: inc}
	if s.cfg.severities[inc.Severity].page != "" {
		if note := s.pageFor(ctx, inc, r.Reporter); note != "" {
			out.Notes = append(out.Notes, note)
		}
	}
	if s.cfg.channelPerIncident {
		if note := s.makeChannel(ctx, inc); note != "" {
			out.Notes = append(out.Notes, note)
		}
	}
	s.post(ctx, inc)
	if len(inc.Messages) > 0 || inc.Page != "" || inc.IncChannel != "" {
		changed, err := s.recordOpened(ctx, inc, now)
		if err != nil {
			// The incident stands; its message just will not update.
			s.log.Error("record incident message", "incident", inc.ID(), "err", err)
			out.Notes = append(out.Notes, "its message could not be recorded, so it will not update as the incident changes")
		} else if changed {
			s.catchUp(ctx, inc)
		}
	} else if s.cfg.severities[inc.Severity].updateEvery > 0 {
		s.scheduleReminder(ctx, inc)
	}
	return out, nil
}

// batchScheduler schedules steps on a caller's pipeline; jobs/loop.Loop
// is one.
type batchScheduler interface {
	ScheduleIn(ctx context.Context, p redis.Pipeliner, kind, id string, due time.Time, payload string) (*redis.Cmd, error)
}

// recordOpened records the new incident's messages, page and channel
// and, when its severity asks for status updates, schedules the first
// reminder: in one round trip when the scheduler can share a pipeline.
func (s *Service) recordOpened(ctx context.Context, inc *Incident, now time.Time) (changed bool, err error) {
	every := s.cfg.severities[inc.Severity].updateEvery
	bs, ok := s.steps.(batchScheduler)
	if every == 0 || !ok {
		changed, err = s.st.refs(ctx, inc, now)
		if every > 0 {
			s.scheduleReminder(ctx, inc)
		}
		return changed, err
	}
	var refs, remind *redis.Cmd
	_, _ = s.st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		refs = s.st.refsIn(ctx, p, inc, now)
		remind, err = bs.ScheduleIn(ctx, p, StepRemind, inc.ID(), lastUpdate(inc).Add(every), "")
		return nil
	})
	if err == nil {
		err = remind.Err()
	}
	if err != nil {
		s.log.Warn("schedule status reminder", "incident", inc.ID(), "err", err)
	}
	return refsDone(inc, refs)
}

// catchUp redraws the just-posted message when the incident changed while
// it was being posted: a paged person may acknowledge from the DM before
// the message's ts is recorded, and that transition found no message to
// update.
func (s *Service) catchUp(ctx context.Context, posted *Incident) {
	now, err := s.st.load(ctx, posted.Num)
	if err != nil || now == nil {
		s.log.Warn("reload new incident", "incident", posted.ID(), "err", err)
		return
	}
	s.refresh(ctx, now)
}

func checkTitle(t string) string {
	t = strings.TrimSpace(t)
	switch {
	case t == "":
		return "give the incident a title that says what is wrong"
	case utf8.RuneCountInString(t) > MaxTitle:
		return fmt.Sprintf("the title is %d characters long; keep it under %d and put the rest in the description", utf8.RuneCountInString(t), MaxTitle)
	case strings.ContainsAny(t, "\n\r"):
		return "the title must be one line"
	}
	return ""
}

// pageFor pages the severity's target about the incident; it returns a
// note when that failed.
func (s *Service) pageFor(ctx context.Context, i *Incident, by string) string {
	target := s.cfg.severities[i.Severity].page
	if s.pager == nil {
		return "paging is not set up, so " + target + " was not paged"
	}
	msg := fmt.Sprintf("%s %s: %s", i.ID(), i.Severity, i.Title)
	id, paged, err := s.pager.PageTarget(ctx, target, msg, by, i.Channel, i.ID())
	if err != nil {
		s.log.Warn("page for incident", "incident", i.ID(), "target", target, "err", err)
		return fmt.Sprintf("paging %s failed: %s", target, bot.UserMessage(err))
	}
	i.Page, i.Paged, i.pagedBy, i.Unreached, i.why = id, paged, by, nil, nil
	if v, ok := s.missed.LoadAndDelete(id); ok {
		i.Unreached = v.([]string)
		i.why = s.whyMissed(ctx, i.ID(), id)
	}
	return ""
}

// whyMissed asks the pager why the DMs of page did not reach whom they
// missed; nil when it cannot say.
func (s *Service) whyMissed(ctx context.Context, ref, page string) map[string]string {
	u, ok := s.pager.(unreachable)
	if !ok {
		return nil
	}
	why, err := u.Unreached(ctx, page)
	if err != nil {
		s.log.Warn("read whom the page did not reach", "incident", ref, "page", page, "err", err)
	}
	return why
}

// post puts the incident's message in the channel it was opened in and in
// its own channel, pinned there.
func (s *Service) post(ctx context.Context, i *Incident) {
	for _, ch := range []string{i.Channel, i.IncChannel} {
		if ch == "" {
			continue
		}
		ts, err := s.chat.Post(ctx, bot.Message{Channel: ch, Text: messageText(i), Blocks: s.message(i)})
		if err != nil {
			s.log.Warn("post incident message", "incident", i.ID(), "channel", ch, "err", err)
			continue
		}
		i.Messages = append(i.Messages, MessageRef{Channel: ch, TS: ts})
		if ch == i.IncChannel && s.channels != nil {
			if err := s.channels.Pin(ctx, ch, ts); err != nil {
				s.log.Warn("pin incident message", "incident", i.ID(), "err", err)
			}
		}
	}
}

func (s *Service) cmdOpen(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if req.Args.Len() < 2 {
		return nil, req.Command.UsageError("give a severity and a title")
	}
	sev, err := ParseSeverity(req.Args.Arg(0))
	if err != nil {
		return nil, req.Command.UsageError("%v", err)
	}
	if msg := checkTitle(req.Args.Rest(1)); msg != "" {
		return nil, req.Command.UsageError("%s", msg)
	}
	o, err := s.Open(ctx, OpenRequest{Title: req.Args.Rest(1), Severity: sev, Reporter: req.UserID, Channel: req.Channel})
	if err != nil {
		return nil, err
	}
	return s.openedReply(o), nil
}

func (s *Service) openedReply(o *Opened) *bot.Reply {
	i := o.Incident
	text := fmt.Sprintf("Opened %s (%s).", i.ID(), i.Severity)
	if i.Page != "" {
		var who []string
		for _, u := range i.Paged {
			who = append(who, mention(u))
		}
		if len(who) > 0 {
			text += fmt.Sprintf(" Paged %s (%s).", strings.Join(who, ", "), i.Page)
		} else {
			text += fmt.Sprintf(" Page %s reached nobody yet.", i.Page)
		}
		for _, u := range i.Unreached {
			text += fmt.Sprintf(" The DM to %s failed: %s.", mention(u), whyUnreached(i.why, u))
		}
	}
	if i.IncChannel != "" {
		text += " Its channel: <#" + i.IncChannel + ">."
	}
	for _, n := range o.Notes {
		text += "\nNote: " + n + "."
	}
	return &bot.Reply{Text: text, Visibility: bot.VisibleToRequester}
}

// The new-incident form's blocks; the block and action ids match.
const (
	fieldTitle    = "title"
	fieldSeverity = "severity"
	fieldDesc     = "description"
	fieldServices = "services"
)

func (s *Service) cmdNew(_ context.Context, req *bot.Request) (*bot.Reply, error) {
	var opts []*slack.OptionBlockObject
	for sev := Severity(1); sev <= 4; sev++ {
		v := strings.ToLower(sev.String())
		opts = append(opts, slack.NewOptionBlockObject(v, blocks.Plain(sev.String()+" "+sevHint[sev]), nil))
	}
	sevSelect := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blocks.Plain("Choose a severity"), fieldSeverity, opts...)
	desc := slack.NewPlainTextInputBlockElement(blocks.Plain("What is happening, since when, who is affected"), fieldDesc).WithMultiline(true).WithMaxLength(MaxDescription)
	view := &slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           blocks.Plain("New incident"),
		Submit:          blocks.Plain("Open"),
		Close:           blocks.Plain("Cancel"),
		CallbackID:      "incident.new",
		PrivateMetadata: req.Channel,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(fieldTitle, blocks.Plain("Title"), nil, slack.NewPlainTextInputBlockElement(blocks.Plain("Checkout latency above 2s"), fieldTitle).WithMaxLength(MaxTitle)),
			slack.NewInputBlock(fieldSeverity, blocks.Plain("Severity (sev1 to sev4)"), nil, sevSelect),
			optional(slack.NewInputBlock(fieldDesc, blocks.Plain("Description"), nil, desc)),
			optional(slack.NewInputBlock(fieldServices, blocks.Plain("Affected services or assets"), nil, slack.NewPlainTextInputBlockElement(blocks.Plain("checkout, db-main"), fieldServices).WithMaxLength(MaxServices))),
		}},
	}
	return &bot.Reply{View: view}, nil
}

var sevHint = map[Severity]string{1: "(critical, customers down)", 2: "(major, degraded)", 3: "(minor)", 4: "(low, no impact yet)"}

func optional(b *slack.InputBlock) *slack.InputBlock { b.Optional = true; return b }

func (s *Service) submitNew(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	v := func(k string) string { return strings.TrimSpace(req.View.Values[k][k]) }
	errs := map[string]string{}
	if msg := checkTitle(v(fieldTitle)); msg != "" {
		errs[fieldTitle] = msg
	}
	sev, err := ParseSeverity(v(fieldSeverity))
	if err != nil {
		errs[fieldSeverity] = "choose sev1 (worst) to sev4"
	}
	for field, max := range map[string]int{fieldDesc: MaxDescription, fieldServices: MaxServices} {
		if n := utf8.RuneCountInString(v(field)); n > max {
			errs[field] = fmt.Sprintf("this is %d characters long; keep it under %d", n, max)
		}
	}
	if len(errs) > 0 {
		return &bot.Reply{ViewErrors: errs}, nil
	}
	channel := req.View.PrivateMetadata
	if channel == "" {
		channel = req.Channel
	}
	o, err := s.Open(ctx, OpenRequest{Title: v(fieldTitle), Severity: sev, Description: v(fieldDesc), Services: v(fieldServices),
		Reporter: req.UserID, Channel: channel})
	if err != nil {
		return nil, err
	}
	return s.openedReply(o), nil
}
