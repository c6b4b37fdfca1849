package change

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"

	"opsbot/bot"
)

// OnHostLimit is how many of the newest changes OnHost looks through.
const OnHostLimit = 200

// OnHost lists the changes among the newest OnHostLimit that run (or ran)
// on host, newest first: two round trips, for an asset's card and history.
func (s *Service) OnHost(ctx context.Context, host string) ([]*Change, error) {
	ids, err := s.st.latest(ctx, s.st.recentKey(), OnHostLimit)
	if err != nil {
		return nil, err
	}
	cmds := make([]*redis.SliceCmd, len(ids))
	if _, err := s.st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, s.st.changeKey(id), "doc", "state", "started")
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read changes on %s: %w", host, err)
	}
	var out []*Change
	for _, cmd := range cmds {
		v := cmd.Val()
		doc, _ := v[0].(string)
		if doc == "" {
			continue
		}
		c := &Change{}
		if json.Unmarshal([]byte(doc), c) != nil {
			continue
		}
		on := false
		for _, h := range c.Hosts {
			on = on || h.Name == host
		}
		if !on {
			continue
		}
		c.State, _ = v[1].(string)
		if sec, err := strconv.ParseInt(fmt.Sprint(v[2]), 10, 64); err == nil {
			c.Started = time.Unix(sec, 0)
		}
		out = append(out, c)
	}
	return out, nil
}

// Title is "CHG-7 restart unit=nginx on web (2 hosts)".
func (c *Change) Title() string { return c.title() }

// NewChangeForm is the change request form with its hosts filled in, for
// another domain's button (an asset's Request change).
func (s *Service) NewChangeForm(ctx context.Context, req *bot.Request, target string) (*bot.Reply, error) {
	r, err := s.handleNew(ctx, req)
	if err != nil || r.View == nil {
		return r, err
	}
	for _, b := range r.View.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID == "target" {
			if el, ok := in.Element.(*slack.PlainTextInputBlockElement); ok {
				el.InitialValue = target
			}
		}
	}
	return r, nil
}
