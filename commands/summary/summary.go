// Package summary is the daily health summary: on each configured
// summary's schedule (a job of the scheduler) it asks every mounted
// domain for its section (bot.SummaryProvider), puts them in one Block
// Kit message and uploads a chart of alerts and incidents per day beside
// it. `summary now [name] [here]` builds one at once.
package summary

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"opsbot/bot"
	"opsbot/integrations/chart"
)

// Chat is what the summary posts through.
type Chat interface {
	Post(ctx context.Context, m bot.Message) (ts string, err error)
	Upload(ctx context.Context, channel, thread string, f bot.File) error
}

// Source is one domain's section provider, named for the line that says
// it could not be read.
type Source struct {
	Domain   string
	Provider bot.SummaryProvider
}

// Deps are the summary's collaborators; Chat is required.
type Deps struct {
	Chat Chat
	// Sources are asked in this order (the mount order).
	Sources []Source
	// Clock tells the time; nil means time.Now.
	Clock func() time.Time
	Log   *slog.Logger
	// Panics recovers a section that panics ("summary.<domain>"); nil
	// still recovers.
	Panics *bot.Panics
	// Draw renders the chart; nil means chart.LineChart.
	Draw func(chart.Options, []chart.Series) ([]byte, error)
	// SectionTimeout bounds the wait for one domain's section, so a
	// source that hangs costs its own section only (default
	// DefaultSectionTimeout).
	SectionTimeout time.Duration
}

// DefaultSectionTimeout is how long a section may take by default.
const DefaultSectionTimeout = 30 * time.Second

// ChartDays is how many days the chart covers.
const ChartDays = 14

// Service builds and posts summaries.
type Service struct {
	cfg Config
	d   Deps
	log *slog.Logger
}

// New checks cfg and returns the service.
func New(cfg Config, d Deps) (*Service, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("summaries config: %w", errors.Join(errs...))
	}
	if d.Chat == nil {
		return nil, errors.New("summary: a chat is required")
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.Draw == nil {
		d.Draw = chart.LineChart
	}
	if d.SectionTimeout <= 0 {
		d.SectionTimeout = DefaultSectionTimeout
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, d: d, log: log}, nil
}

// Built is a summary ready to post: the message, and the chart when a
// section gave counts per day.
type Built struct {
	Message bot.Message
	Chart   *bot.File
}

// occasion says how a summary came to be built, for its context line.
type occasion struct {
	// due is the occurrence it stands for when it comes late (opsbot was
	// down), else zero; missed counts further occurrences it stands for.
	due    time.Time
	missed int
	// by is who asked for it by hand (a user id).
	by string
}

// Build asks every source for its section of sum as of now and renders
// them, with the chart when withChart says so. A source that fails or
// takes longer than its timeout becomes one line saying so.
func (s *Service) Build(ctx context.Context, sum Summary, now time.Time, why occasion, withChart bool) Built {
	req := request(sum, now)
	results := s.collect(ctx, req)
	var b Built
	note := chartNone
	if hasSeries(results) {
		note = chartLater
		if withChart {
			if png := s.chart(req, results); png != nil {
				b.Chart = &bot.File{Name: "summary-" + now.In(req.Loc).Format("2006-01-02") + ".png",
					Title: title(sum) + ": alerts and incidents per day", Content: png}
				note = chartBeside
			} else {
				note = chartNone
			}
		}
	}
	b.Message = render(sum, req, results, why, note, s.d.SectionTimeout)
	return b
}

// request is what the sources are asked, with the chart's days.
func request(sum Summary, now time.Time) bot.SummaryRequest {
	days := make([]time.Time, ChartDays)
	for i := range days {
		days[i] = now.Add(-time.Duration(ChartDays-i) * 24 * time.Hour)
	}
	return bot.SummaryRequest{Name: sum.Name, Now: now, Loc: sum.location(), Selector: sum.Selector, Days: days}
}

// result is one source's answer.
type result struct {
	domain  string
	section *bot.SummarySection
	err     error
}

// collect asks every source at once, all bounded by the section timeout
// and each recovered, and returns the answers in the sources' order. A
// source still busy when the time is up is answered for (it did not
// answer in time) and left to finish on its own.
func (s *Service) collect(ctx context.Context, req bot.SummaryRequest) []result {
	ctx, cancel := context.WithTimeout(ctx, s.d.SectionTimeout)
	defer cancel()
	answers := make([]chan result, len(s.d.Sources))
	for i, src := range s.d.Sources {
		answers[i] = make(chan result, 1)
		go func() {
			sec, err := s.ask(ctx, src, req)
			answers[i] <- result{domain: src.Domain, section: sec, err: err}
		}()
	}
	out := make([]result, len(answers))
	for i, ch := range answers {
		select {
		case out[i] = <-ch:
		case <-ctx.Done():
			select {
			case out[i] = <-ch: // it answered as the time ran out
			default:
				out[i] = result{domain: s.d.Sources[i].Domain, err: ctx.Err()}
			}
		}
		if out[i].err != nil {
			s.log.Warn("summary section could not be built", "domain", out[i].domain, "err", out[i].err)
		}
	}
	return out
}

func (s *Service) ask(ctx context.Context, src Source, req bot.SummaryRequest) (sec *bot.SummarySection, err error) {
	defer s.d.Panics.Recover("summary."+src.Domain, func(perr error) { sec, err = nil, perr })
	sec, err = src.Provider.SummarySection(ctx, req)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return sec, err
}

// Post builds sum as of now and posts it in its channel, the chart
// beside it.
func (s *Service) Post(ctx context.Context, sum Summary, now time.Time, why occasion) error {
	b := s.Build(ctx, sum, now, why, true)
	b.Message.Channel = sum.Channel
	if _, err := s.d.Chat.Post(ctx, b.Message); err != nil {
		return fmt.Errorf("post %s in %s: %w", title(sum), sum.Channel, err)
	}
	if b.Chart != nil {
		if err := s.d.Chat.Upload(ctx, sum.Channel, "", *b.Chart); err != nil {
			return fmt.Errorf("%s is posted, its chart is not: %w", title(sum), err)
		}
	}
	return nil
}
