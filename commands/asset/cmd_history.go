package asset

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// maxHistory bounds the events asset history shows.
const maxHistory = 40

// event is one thing that touched an asset.
type event struct {
	at   time.Time
	text string
}

func (s *Service) cmdHistory(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if req.Args.Len() != 1 {
		return nil, req.Command.UsageError("name one asset")
	}
	a, err := s.find(ctx, req.Args.Arg(0))
	if err != nil {
		return nil, err
	}
	var (
		mu     sync.Mutex
		events []event
		notes  []string
		wg     sync.WaitGroup
	)
	add := func(e ...event) { mu.Lock(); events = append(events, e...); mu.Unlock() }
	fail := func(what string, err error) {
		s.log.Warn("asset history", "part", what, "asset", a.Name, "err", err)
		mu.Lock()
		notes = append(notes, what+" did not answer, so its part is missing")
		mu.Unlock()
	}
	wg.Go(func() {
		rs, err := s.checks.latest(ctx, a.Name, keptChecks)
		if err != nil {
			fail("the state store", err)
		}
		for _, r := range rs {
			add(event{r.At, "checked: " + r.summary()})
		}
	})
	if s.d.Changes != nil {
		wg.Go(func() {
			cs, err := s.d.Changes.OnHost(ctx, a.Name)
			if err != nil {
				fail("the change desk", err)
			}
			for _, c := range cs {
				add(event{c.Created, fmt.Sprintf(":wrench: *%s* %s · %s · by %s", blocks.Escape(c.ID), blocks.EscapeCut(c.Title, 200), words(blocks.Escape(c.State)), blocks.Mention(c.Requester))})
			}
		})
	}
	if s.d.Incidents != nil {
		wg.Go(func() {
			is, err := s.d.Incidents.Naming(ctx, a.Name)
			if err != nil {
				fail("the incident desk", err)
			}
			for _, i := range is {
				state := "open"
				if !i.Open {
					state = "resolved " + s.when(i.Resolved)
				}
				add(event{i.Opened, fmt.Sprintf(":fire: *%s* %s · %s · %s", blocks.Escape(i.ID), blocks.Escape(i.Severity), blocks.EscapeCut(i.Title, 200), state)})
			}
		})
	}
	wg.Wait()
	sort.SliceStable(events, func(i, j int) bool { return events[i].at.After(events[j].at) })
	head := fmt.Sprintf("*History of %s*, newest first", blocks.EscapeCut(a.Name, 100))
	if len(events) == 0 {
		head = "No change, incident or check has touched " + blocks.EscapeCut(a.Name, 100) + " yet."
	}
	lines := make([]string, 0, min(len(events), maxHistory))
	for _, e := range events[:min(len(events), maxHistory)] {
		lines = append(lines, s.when(e.at)+" · "+e.text)
	}
	b := []slack.Block{blocks.Section(head)}
	secs, left := sections(lines, 20)
	b = append(b, secs...)
	if n := left + len(events) - len(lines); n > 0 {
		notes = append(notes, fmt.Sprintf("… and %d older events", n))
	}
	if len(notes) > 0 {
		sort.Strings(notes)
		b = append(b, blocks.Context(strings.Join(notes, " · ")))
	}
	return &bot.Reply{Text: head, Blocks: b}, nil
}
