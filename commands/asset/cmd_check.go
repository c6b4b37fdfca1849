package asset

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/bot/suggest"
	"opsbot/commands/actions"
	"opsbot/commands/runner"
	"opsbot/integrations/inventory"
	"opsbot/integrations/sshexec"
)

// maxCheckSections bounds the results table's sections in one message.
const maxCheckSections = 40

func (s *Service) cmdCheck(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	sel := strings.TrimSpace(blocks.Unescape(req.Args.Rest(0)))
	if sel == "" {
		return nil, req.Command.UsageError("say which hosts: a name, a group or a selector like role=web,env=prod")
	}
	assets, err := s.selectAll(ctx, sel)
	if err != nil {
		return nil, err
	}
	return s.check(ctx, req, sel, assets)
}

func (s *Service) clickCheck(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	a, err := s.find(ctx, req.Action.Value)
	if err != nil {
		return nil, err
	}
	return s.check(ctx, req, a.Name, []inventory.Asset{a})
}

// selectAll returns every asset sel picks, or says that it picks none
// and what is near.
func (s *Service) selectAll(ctx context.Context, text string) ([]inventory.Asset, error) {
	sel, err := inventory.ParseSelector(text)
	if err != nil {
		return nil, bot.Errorf(bot.CodeInvalid, "%s", blocks.Escape(err.Error()))
	}
	res, err := s.index.Select(ctx, inventory.Query{Selector: sel})
	if err != nil {
		return nil, notLoaded(err)
	}
	if res.Total == 0 {
		return nil, s.noMatch(ctx, sel)
	}
	return res.Assets, nil
}

// noMatch says a selector picked nothing and suggests near names.
func (s *Service) noMatch(ctx context.Context, sel inventory.Selector) error {
	if len(sel.Terms) == 1 && sel.Terms[0].Op == inventory.OpWord {
		return s.unknown(ctx, sel.Terms[0].Value, true)
	}
	msg := "no asset matches " + blocks.Inline(blocks.PlainCut(sel.Text, 100))
	var words []string
	for _, t := range sel.Terms {
		if t.Op == inventory.OpWord {
			words = append(words, regexp.QuoteMeta(t.Value))
		}
	}
	if len(words) > 1 {
		msg += "; every term must hold, so to pick several by name write " + blocks.Inline(`name=~"`+strings.Join(words, "|")+`"`)
	}
	for _, t := range sel.Terms {
		if t.Op != inventory.OpEqual {
			continue
		}
		known, err := s.index.Values(ctx, t.Key)
		if err != nil {
			return notLoaded(err)
		}
		if len(known) == 0 || containsStr(known, t.Value) {
			continue
		}
		if near := nearValues(t.Value, known); len(near) > 0 {
			msg += fmt.Sprintf("; for %s, did you mean %s?", blocks.Inline(t.Key+"="+t.Value), blocks.Escape(strings.Join(near, ", ")))
		} else if len(known) <= 12 {
			msg += fmt.Sprintf("; %s is one of %s", blocks.Escape(t.Key), blocks.Escape(strings.Join(known, ", ")))
		}
	}
	return bot.Errorf(bot.CodeNotFound, "%s", msg)
}

// check runs the check on assets through the runner: one progress
// message, the per-host report in its thread, then the results table as
// the answer. The run belongs to opsbot: it goes on when the request ends
// and a stop waits for it.
func (s *Service) check(ctx context.Context, req *bot.Request, label string, assets []inventory.Asset) (*bot.Reply, error) {
	if s.runner == nil {
		return nil, bot.Errorf(bot.CodeUnavailable, "SSH is not set up, so opsbot cannot check hosts: configure ssh (known_hosts, key_file)")
	}
	if !s.runs.Enter() {
		return nil, bot.Errorf(bot.CodeUnavailable, "opsbot is stopping, so the check did not start; run it again once opsbot is back")
	}
	targets := make([]sshexec.Target, len(assets))
	for i, a := range assets {
		targets[i] = sshexec.Target{Name: a.Name, Address: a.Address, Port: a.Port, User: a.User}
	}
	job := runner.Job{Label: "check " + label, Targets: targets, Command: sshexec.Command{Argv: checkArgv, Timeout: s.cfg.CheckTimeout},
		Policy: s.cfg.Check, User: req.UserID, Action: "asset.check", Detail: "check " + label,
		Channel: req.Channel, Thread: req.Thread, File: "asset-check.txt", Title: "asset check output"}
	// Each round of hosts takes at most the check's timeout (and a dial).
	rctx, cancel := actions.Detach(ctx, 2*s.cfg.CheckTimeout*time.Duration(rounds(len(targets), s.cfg.Check)+1))
	job, err := s.runner.Open(rctx, job)
	if err != nil {
		cancel()
		s.runs.Done()
		return nil, err
	}
	out := make(chan *bot.Reply, 1)
	go func() {
		defer s.runs.Done()
		defer cancel()
		reply := &bot.Reply{Text: blocks.Escape(job.Label) + " stopped on an internal error (logged)"}
		defer func() { out <- reply }()
		defer s.d.Panics.Recover("asset.check", nil)
		res := s.runner.Run(rctx, job)
		results := make([]CheckResult, len(res.Results))
		at := s.now()
		for i, r := range res.Results {
			results[i] = parseCheck(r, at)
		}
		if err := s.checks.save(rctx, results); err != nil {
			s.log.Warn("save check results", "err", err)
		}
		reply = s.checkReply(rctx, job, results)
	}()
	select {
	case r := <-out:
		return r, nil
	case <-ctx.Done():
	case <-s.runs.Stopping():
	}
	return &bot.Reply{Text: blocks.Escape(job.Label) + " is still running; its progress message shows how far, and the results will be in its thread.",
		Visibility: bot.VisibleToRequester}, nil
}

// rounds is how many rounds of hosts a check takes at most.
func rounds(n int, p runner.Policy) int {
	c := p.Concurrency
	if c <= 0 {
		c = 10
	}
	return (n + c - 1) / c
}

// checkReply is the results table: hosts with problems first. When it
// does not fit one message the whole table goes to the thread as a file.
func (s *Service) checkReply(ctx context.Context, job runner.Job, results []CheckResult) *bot.Reply {
	sort.SliceStable(results, func(i, j int) bool { return rank(results[i]) > rank(results[j]) })
	var bad, warn int
	lines := make([]string, len(results))
	for i, r := range results {
		lines[i] = r.row()
		switch {
		case r.Err != "":
			bad++
		case len(r.problems()) > 0:
			warn++
		}
	}
	head := fmt.Sprintf("*%s*: %s checked · %d fine · %d with warnings · %d not checked", blocks.EscapeCut(job.Label, 200),
		plural(len(results), "host"), len(results)-bad-warn, warn, bad)
	b := []slack.Block{blocks.Section(head)}
	secs, left := sections(lines, maxCheckSections)
	b = append(b, secs...)
	if left > 0 {
		var plain strings.Builder
		for _, r := range results {
			fmt.Fprintf(&plain, "%s\t%s\n", r.Asset, r.summaryPlain())
		}
		if err := s.d.Chat.Upload(ctx, job.Channel, job.Thread, bot.File{Name: "asset-check-table.txt", Title: "asset check: every host", Content: []byte(plain.String())}); err != nil {
			s.log.Warn("upload check table", "err", err)
		}
		b = append(b, blocks.Context(fmt.Sprintf("… and %d more hosts: the whole table is in the thread as a file.", left)))
	}
	return &bot.Reply{Text: head, Blocks: b, Visibility: bot.VisibleToRequester}
}

// rank orders rows: not checked, then warnings, then fine.
func rank(r CheckResult) int {
	switch {
	case r.Err != "":
		return 2
	case len(r.problems()) > 0:
		return 1
	}
	return 0
}

func containsStr(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// nearValues are the known values close to v.
func nearValues(v string, known []string) []string { return suggest.Near(v, known, 2, 3) }
