// Package audit keeps the trail of what was done through opsbot: every
// command, click and submission, and what domains record beside them
// (approvals, executions), in a capped Redis stream.
package audit

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// Entry is one line of the trail.
type Entry struct {
	ID      string
	Time    time.Time
	User    string
	Action  string // verb, action id or domain event ("change.execute")
	Channel string
	Trigger string
	Detail  string // what was typed, or the object acted on
	Outcome string // ok, denied, invalid, error, ...
	Took    time.Duration
}

// MaxDetail caps how much of a command line is kept.
const MaxDetail = 500

// Log writes and reads the trail.
type Log struct {
	rdb    redis.UniversalClient
	key    string
	maxLen int64
	log    *slog.Logger
	now    func() time.Time
}

// New returns a trail kept in the stream key, trimmed to about maxLen
// entries.
func New(rdb redis.UniversalClient, key string, maxLen int64, log *slog.Logger) *Log {
	if maxLen <= 0 {
		maxLen = 100_000
	}
	return &Log{rdb: rdb, key: key, maxLen: maxLen, log: log, now: time.Now}
}

// Record appends e. When Redis cannot take it the entry is written to the
// log in full, so nothing is lost, and the error returned.
func (l *Log) Record(ctx context.Context, e Entry) error {
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	if len(e.Detail) > MaxDetail {
		e.Detail = e.Detail[:MaxDetail] + "…"
	}
	err := l.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: l.key,
		MaxLen: l.maxLen,
		Approx: true,
		Values: []any{
			"t", e.Time.UnixMilli(), "user", e.User, "action", e.Action, "channel", e.Channel,
			"trigger", e.Trigger, "detail", e.Detail, "outcome", e.Outcome, "took_us", e.Took.Microseconds(),
		},
	}).Err()
	if err != nil {
		l.log.Error("audit entry not stored in Redis; kept here instead", "user", e.User, "action", e.Action,
			"channel", e.Channel, "detail", e.Detail, "outcome", e.Outcome, "err", err)
		return fmt.Errorf("write audit entry: %w", err)
	}
	return nil
}

// Recent returns the newest n entries, newest first.
func (l *Log) Recent(ctx context.Context, n int64) ([]Entry, error) {
	msgs, err := l.rdb.XRevRangeN(ctx, l.key, "+", "-", n).Result()
	if err != nil {
		return nil, fmt.Errorf("read audit trail: %w", err)
	}
	out := make([]Entry, 0, len(msgs))
	for _, m := range msgs {
		s := func(k string) string { v, _ := m.Values[k].(string); return v }
		ms, _ := strconv.ParseInt(s("t"), 10, 64)
		us, _ := strconv.ParseInt(s("took_us"), 10, 64)
		out = append(out, Entry{ID: m.ID, Time: time.UnixMilli(ms), User: s("user"), Action: s("action"),
			Channel: s("channel"), Trigger: s("trigger"), Detail: s("detail"), Outcome: s("outcome"),
			Took: time.Duration(us) * time.Microsecond})
	}
	return out, nil
}

// Middleware records every request the router runs, with its outcome.
func (l *Log) Middleware() bot.Middleware {
	return func(next bot.Handler) bot.Handler {
		return func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
			start := l.now()
			rep, err := next(ctx, req)
			detail := req.Text
			switch {
			case req.Action != nil && strings.HasPrefix(req.Command.Verb, "unknown"):
				// The verb says nothing of which button it was.
				detail = strings.TrimSpace(req.Action.ID + " " + req.Action.Value)
			case req.Action != nil:
				detail = req.Action.Value
			case req.View != nil:
				detail = req.View.CallbackID
			}
			// The trail must not be lost to a cancelled request context.
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			_ = l.Record(wctx, Entry{Time: start, User: req.UserID, Action: req.Command.Verb, Channel: req.Channel,
				Trigger: string(req.Trigger), Detail: detail, Outcome: bot.Outcome(err), Took: l.now().Sub(start)})
			return rep, err
		}
	}
}

// Command is `audit [n]`, for admins.
func (l *Log) Command() bot.Command {
	return bot.Command{
		Verb:     "audit",
		Args:     "[n]",
		Summary:  "Show the newest n entries of the audit trail (default 20, at most 200)",
		Examples: []string{"audit", "audit 50"},
		Role:     bot.RoleAdmin,
		Handler: func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
			n := int64(20)
			if a := req.Args.Arg(0); a != "" {
				v, err := strconv.ParseInt(a, 10, 64)
				if err != nil || v < 1 || v > 200 {
					return nil, req.Command.UsageError("n must be a number from 1 to 200, not %q", a)
				}
				n = v
			}
			entries, err := l.Recent(ctx, n)
			if err != nil {
				return nil, bot.Unavailable("the state store", err)
			}
			if len(entries) == 0 {
				return bot.Text("The audit trail is empty."), nil
			}
			var b strings.Builder
			fmt.Fprintf(&b, "*Audit trail* (newest %d)\n", len(entries))
			for _, e := range entries {
				// Everything but the time and the mention is shown as
				// text: the trail replays what people typed, which must
				// not ping a channel or post a link a second time.
				fmt.Fprintf(&b, "%s %s %s %s in %s: %s\n", blocks.DateFormat(e.Time, time.UTC, "{date_num} {time_secs}"),
					blocks.Mention(e.User), blocks.Escape(e.Action), quoteDetail(e.Detail), blocks.ChannelRef(e.Channel), blocks.Escape(e.Outcome))
			}
			return &bot.Reply{Text: strings.TrimSuffix(b.String(), "\n")}, nil
		},
	}
}

func quoteDetail(d string) string {
	if d == "" {
		return ""
	}
	// The detail is Slack text as it arrived (entities, <tokens>): shown
	// as the person typed it, escaped.
	return "«" + blocks.EscapeCut(blocks.Unescape(d), 300) + "»"
}
