package monitor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
)

// runInterval is how often Run looks for undelivered groups when not woken
// by the webhook, which picks up work other replicas stored or failed.
const runInterval = 2 * time.Second

// maxRetryWait caps the wait before retrying a channel that keeps failing.
const maxRetryWait = 5 * time.Minute

// Run delivers alert messages until ctx ends: whenever the webhook stores
// something, and every few seconds for what is left over (after a restart,
// a failed post, or work another replica stored) and for messages whose
// silence ended. Each channel has its own worker, so a channel in a storm
// does not hold up the others.
func (s *Service) Run(ctx context.Context) error {
	l := newDeliveryLoop(s)
	defer l.wg.Wait()
	t := time.NewTicker(runInterval)
	defer t.Stop()
	for {
		l.round(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-t.C:
		}
	}
}

// deliveryLoop is Run's state: which channels have a worker, and when a
// channel that keeps failing (deleted, bot removed) may be tried again.
type deliveryLoop struct {
	s        *Service
	wg       sync.WaitGroup
	mu       sync.Mutex
	busy     map[string]bool
	retryAt  map[string]time.Time
	failures map[string]int
}

func newDeliveryLoop(s *Service) *deliveryLoop {
	return &deliveryLoop{s: s, busy: map[string]bool{}, retryAt: map[string]time.Time{}, failures: map[string]int{}}
}

// retryWait is how long a channel rests after its n-th failure in a row:
// doubling from twice runInterval, at most maxRetryWait.
func retryWait(n int) time.Duration {
	return min(runInterval<<min(n, 10), maxRetryWait)
}

// round starts a worker for every channel with undelivered groups that
// has none and is not resting after failures.
func (l *deliveryLoop) round(ctx context.Context) {
	s := l.s
	func() {
		defer s.d.Panics.Recover("monitor.reconcile", nil)
		if err := s.sweepSilences(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("redraw alert messages whose silence ended", "err", err)
		}
	}()
	byChannel, err := s.pending(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("list undelivered alert groups", "err", err)
	}
	for ch, ids := range byChannel {
		l.mu.Lock()
		if l.busy[ch] || s.now().Before(l.retryAt[ch]) {
			l.mu.Unlock()
			continue
		}
		l.busy[ch] = true
		l.mu.Unlock()
		l.wg.Go(func() {
			done, err := s.deliverChannelSafely(ctx, ch, ids)
			l.mu.Lock()
			delete(l.busy, ch)
			if err != nil && done == 0 {
				l.failures[ch]++
				wait := retryWait(l.failures[ch])
				l.retryAt[ch] = s.now().Add(wait)
				if ctx.Err() == nil {
					s.log.Warn("alert delivery failed, will retry", "channel", ch, "in", wait, "err", err)
				}
			} else {
				delete(l.failures, ch)
				delete(l.retryAt, ch)
				if err != nil && ctx.Err() == nil {
					s.log.Warn("alert delivery incomplete, will retry", "channel", ch, "err", err)
				}
			}
			l.mu.Unlock()
			if done > 0 { // look again at once: more may have come meanwhile
				s.notify()
			}
		})
	}
}

// Deliver brings every undelivered group's message up to date once and
// returns when done, one worker per channel.
func (s *Service) Deliver(ctx context.Context) error {
	if err := s.sweepSilences(ctx); err != nil {
		return err
	}
	byChannel, err := s.pending(ctx)
	if err != nil {
		return err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for ch, list := range byChannel {
		wg.Go(func() {
			if _, err := s.deliverChannelSafely(ctx, ch, list); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pending lists the undelivered groups by channel.
func (s *Service) pending(ctx context.Context) (map[string][]string, error) {
	ids, err := s.st.dirty(ctx)
	if err != nil {
		return nil, err
	}
	byChannel := map[string][]string{}
	for _, id := range ids {
		byChannel[channelOf(id)] = append(byChannel[channelOf(id)], id)
	}
	for _, list := range byChannel {
		sort.Strings(list)
	}
	return byChannel, nil
}

// deliverChannelSafely is deliverChannel in a worker goroutine: a panic
// (a payload the renderer trips on) is recovered, counted and returned as
// the channel's failure, so the worker rests and tries again instead of
// ending the process.
func (s *Service) deliverChannelSafely(ctx context.Context, channel string, ids []string) (done int, err error) {
	defer s.d.Panics.Recover("monitor.deliver", func(perr error) { done, err = 0, perr })
	return s.deliverChannel(ctx, channel, ids)
}

// deliverChannel posts or updates the messages of ids, all in channel,
// and says how many it brought up to date.
func (s *Service) deliverChannel(ctx context.Context, channel string, ids []string) (done int, _ error) {
	var (
		errs    []error
		folded  []*group
		digests bool
	)
	for _, id := range ids {
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
		g, err := s.st.load(ctx, id)
		if errors.Is(err, errNoGroup) {
			_ = s.st.forget(ctx, id)
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if g.Digest {
			folded, digests = append(folded, g), true
			continue
		}
		if g.TS != "" {
			err := s.d.Chat.Update(ctx, channel, g.TS, s.message(ctx, g))
			if err == nil {
				errs = appendErr(errs, s.st.clean(ctx, g))
				done++
				continue
			}
			if !messageGone(err) {
				errs = append(errs, fmt.Errorf("update alert message in %s: %w", channel, err))
				continue
			}
			// Someone deleted the message: post it anew below.
			s.log.Info("alert message was deleted in Slack; posting it again", "channel", channel, "ts", g.TS)
			if err := s.st.dropTS(ctx, g.ID, g.TS); err != nil {
				errs = append(errs, err)
				continue
			}
			g.TS = ""
		}
		fold, posted, err := s.postNew(ctx, g)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if fold {
			folded, digests = append(folded, g), true
		}
		if posted {
			done++
		}
	}
	if digests {
		if err := s.deliverDigest(ctx, channel, folded); err != nil {
			errs = append(errs, err)
		} else {
			for _, g := range folded {
				errs = appendErr(errs, s.st.clean(ctx, g))
			}
			done += len(folded)
		}
	}
	return done, errors.Join(errs...)
}

// postNew posts the first message of a group, unless another replica is
// doing it or the channel is in a storm, in which case the group is
// folded into the digest (fold true).
func (s *Service) postNew(ctx context.Context, g *group) (fold, posted bool, err error) {
	ok, err := s.st.claim(ctx, g.ID)
	if err != nil || !ok {
		return false, false, err // another replica posts it; it stays dirty
	}
	defer s.st.release(ctx, g.ID)
	// Another replica may have posted it since g was loaded.
	if ts, err := s.st.rdb.HGet(ctx, s.st.groupKey(g.ID), "ts").Result(); err == nil && ts != "" {
		return false, false, nil // it stays dirty; the next round updates it
	}
	storm, err := s.storm(ctx, g.Channel)
	if err != nil {
		return false, false, err
	}
	if storm {
		if err := s.fold(ctx, g); err != nil {
			return false, false, err
		}
		return true, false, nil
	}
	ts, err := s.d.Chat.Post(ctx, s.message(ctx, g))
	if err != nil {
		return false, false, fmt.Errorf("post alert message in %s: %w", g.Channel, err)
	}
	if err := s.st.rdb.HSet(ctx, s.st.groupKey(g.ID), "ts", ts).Err(); err != nil {
		return false, false, fmt.Errorf("remember alert message: %w", err)
	}
	return false, true, s.st.clean(ctx, g)
}

// storm reports whether channel's posting budget is spent: its queue is
// longer than allowed, or it got too many new groups this minute.
func (s *Service) storm(ctx context.Context, channel string) (bool, error) {
	if s.d.Backlog != nil && s.d.Backlog.Backlog(channel) > time.Duration(s.cfg.Storm.MaxBacklog) {
		return true, nil
	}
	n, err := s.st.countNewGroup(ctx, channel, s.now())
	if err != nil {
		return false, err
	}
	return n > int64(s.cfg.Storm.MaxNewGroupsPerMinute), nil
}

// message renders a group with what other domains know of its hosts.
func (s *Service) message(ctx context.Context, g *group) bot.Message {
	return renderGroup(g, s.extras(ctx, g), s.now())
}

// extras looks up owners of the group's hosts and who is on call.
func (s *Service) extras(ctx context.Context, g *group) extras {
	x := extras{MaxSilence: time.Duration(s.cfg.MaxSilence), Loc: s.loc}
	if s.d.Hosts == nil {
		return x
	}
	for _, a := range g.Msg.Alerts {
		h := hostOf(a.Labels)
		if h == "" {
			continue
		}
		if o, ok := s.d.Hosts.Owner(h); ok {
			if x.Owners == nil {
				x.Owners = map[string]string{}
			}
			x.Owners[h] = o
		}
	}
	if len(x.Owners) > 0 && s.d.OnCall != nil {
		// Who is on call for the first owned host of the group (its
		// asset's schedule, else the monitor's).
		hosts := slices.Sorted(maps.Keys(x.Owners))
		who, err := s.d.OnCall.WhoIsOnCall(ctx, hosts[0])
		if err != nil {
			s.log.Warn("who is on call", "host", hosts[0], "err", err)
		}
		x.OnCall = who
	}
	return x
}

// messageGone reports whether Slack says the message to update no longer
// exists (deleted by a person), so updating it will never work.
func messageGone(err error) bool {
	var se slack.SlackErrorResponse
	return errors.As(err, &se) && se.Err == "message_not_found"
}

func appendErr(errs []error, err error) []error {
	if err != nil {
		return append(errs, err)
	}
	return errs
}
