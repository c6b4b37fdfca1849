package monitor

import (
	"context"
	"fmt"
	"time"
)

// digestTTL is how long a channel's storm digest stays the place for new
// groups after its last change; later storms start a new digest.
const digestTTL = time.Hour

func (s *Service) digestKey(channel string) string   { return s.st.key("monitor", "digest", channel) }
func (s *Service) digestTSKey(channel string) string { return s.st.key("monitor", "digestts", channel) }

// fold moves a new group into its channel's digest.
func (s *Service) fold(ctx context.Context, g *group) error {
	_, err := s.st.rdb.TxPipelined(ctx, func(p redisPipe) error {
		p.HSet(ctx, s.st.groupKey(g.ID), "digest", "1")
		p.SAdd(ctx, s.digestKey(g.Channel), g.ID)
		p.Expire(ctx, s.digestKey(g.Channel), digestTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("fold alert group into digest: %w", err)
	}
	g.Digest = true
	return nil
}

// deliverDigest posts or updates the channel's digest with every group in
// it, including changed, which were just folded or updated.
func (s *Service) deliverDigest(ctx context.Context, channel string, changed []*group) error {
	ids, err := s.st.rdb.SMembers(ctx, s.digestKey(channel)).Result()
	if err != nil {
		return fmt.Errorf("list digest groups: %w", err)
	}
	have := map[string]bool{}
	for _, id := range ids {
		have[id] = true
	}
	for _, g := range changed {
		if !have[g.ID] { // the digest expired: start a new one with it
			if err := s.fold(ctx, g); err != nil {
				return err
			}
			ids = append(ids, g.ID)
		}
	}
	loaded, err := s.st.loadMany(ctx, ids)
	if err != nil {
		return err
	}
	groups := loaded[:0]
	for _, g := range loaded {
		if !g.Digest { // fired again after it resolved: it has a message of its own now
			s.st.rdb.SRem(ctx, s.digestKey(channel), g.ID)
			continue
		}
		groups = append(groups, g)
	}
	msg := renderDigest(channel, groups, s.now())
	ts, err := s.st.rdb.Get(ctx, s.digestTSKey(channel)).Result()
	if err != nil && !isNil(err) {
		return fmt.Errorf("load digest message: %w", err)
	}
	if ts != "" {
		err := s.d.Chat.Update(ctx, channel, ts, msg)
		if err == nil {
			s.st.rdb.Expire(ctx, s.digestTSKey(channel), digestTTL)
			return nil
		}
		if !messageGone(err) {
			return fmt.Errorf("update storm digest in %s: %w", channel, err)
		}
		// Someone deleted the digest: post a new one.
		if err := s.st.rdb.Del(ctx, s.digestTSKey(channel)).Err(); err != nil {
			return fmt.Errorf("forget deleted storm digest: %w", err)
		}
	}
	ok, err := s.st.claim(ctx, "digest:"+channel)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("storm digest in %s is being posted by another replica", channel)
	}
	defer s.st.release(ctx, "digest:"+channel)
	ts, err = s.d.Chat.Post(ctx, msg)
	if err != nil {
		return fmt.Errorf("post storm digest in %s: %w", channel, err)
	}
	if err := s.st.rdb.Set(ctx, s.digestTSKey(channel), ts, digestTTL).Err(); err != nil {
		return fmt.Errorf("remember storm digest: %w", err)
	}
	return nil
}
