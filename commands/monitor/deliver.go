package monitor

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"opsbot/bot"
)

// runInterval is how often Run looks for undelivered groups when not woken
// by the webhook, which picks up work other replicas stored or failed.
const runInterval = 2 * time.Second

// maxRetryWait caps the wait before retrying a channel that keeps failing.
const maxRetryWait = 5 * time.Minute

// Run delivers alert messages until ctx ends: whenever the webhook stores
// something, and every few seconds for what is left over (after a restart,
// a failed post, or work another replica stored). Each channel has its own
// worker, so a channel in a storm does not hold up the others.
func (s *Service) Run(ctx context.Context) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		busy = map[string]bool{}
		// A channel that keeps failing (deleted, bot removed) is retried
		// with doubling waits up to maxRetryWait instead of every tick.
		retryAt  = map[string]time.Time{}
		failures = map[string]int{}
	)
	defer wg.Wait()
	t := time.NewTicker(runInterval)
	defer t.Stop()
	for {
		byChannel, err := s.pending(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("list undelivered alert groups", "err", err)
		}
		for ch, ids := range byChannel {
			mu.Lock()
			if busy[ch] || time.Now().Before(retryAt[ch]) {
				mu.Unlock()
				continue
			}
			busy[ch] = true
			mu.Unlock()
			wg.Go(func() {
				done, err := s.deliverChannel(ctx, ch, ids)
				mu.Lock()
				delete(busy, ch)
				if err != nil && done == 0 {
					failures[ch]++
					wait := min(runInterval<<min(failures[ch], 10), maxRetryWait)
					retryAt[ch] = time.Now().Add(wait)
					if ctx.Err() == nil {
						s.log.Warn("alert delivery failed, will retry", "channel", ch, "in", wait, "err", err)
					}
				} else {
					delete(failures, ch)
					delete(retryAt, ch)
					if err != nil && ctx.Err() == nil {
						s.log.Warn("alert delivery incomplete, will retry", "channel", ch, "err", err)
					}
				}
				mu.Unlock()
				if done > 0 { // look again at once: more may have come meanwhile
					s.notify()
				}
			})
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-t.C:
		}
	}
}

// Deliver brings every undelivered group's message up to date once and
// returns when done, one worker per channel.
func (s *Service) Deliver(ctx context.Context) error {
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
			if _, err := s.deliverChannel(ctx, ch, list); err != nil {
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
			if err := s.d.Chat.Update(ctx, channel, g.TS, s.message(ctx, g)); err != nil {
				errs = append(errs, fmt.Errorf("update alert message in %s: %w", channel, err))
				continue
			}
			errs = appendErr(errs, s.st.clean(ctx, g))
			done++
			continue
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
	var x extras
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
		who, err := s.d.OnCall.WhoIsOnCall(ctx)
		if err != nil {
			s.log.Warn("who is on call", "err", err)
		}
		x.OnCall = who
	}
	return x
}

func appendErr(errs []error, err error) []error {
	if err != nil {
		return append(errs, err)
	}
	return errs
}
