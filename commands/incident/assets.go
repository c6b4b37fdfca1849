package incident

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"

	"opsbot/bot"
)

// NamingLimit is how many of the newest incidents Naming looks through.
const NamingLimit = 200

// namingFields are what Naming reads of each incident.
var namingFields = []string{"num", "title", "sev", "state", "created", "opened", "resolved_at", "services"}

// Naming lists the incidents among the newest NamingLimit whose title or
// affected services name asset as a word (web-1, not web-10), newest
// first: two round trips, for an asset's card and history.
func (s *Service) Naming(ctx context.Context, asset string) ([]*Incident, error) {
	nums, err := s.st.rdb.ZRevRange(ctx, s.st.set("all"), 0, NamingLimit-1).Result()
	if err != nil {
		return nil, fmt.Errorf("list incidents naming %s: %w", asset, err)
	}
	cmds := make([]*redis.SliceCmd, len(nums))
	if _, err := s.st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range nums {
			n, _ := strconv.ParseInt(m, 10, 64)
			cmds[i] = p.HMGet(ctx, s.st.hash(n), namingFields...)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read incidents naming %s: %w", asset, err)
	}
	var out []*Incident
	for _, c := range cmds {
		m := map[string]string{}
		for i, v := range c.Val() {
			if str, ok := v.(string); ok {
				m[namingFields[i]] = str
			}
		}
		if m["num"] == "" || !(names(m["title"], asset) || names(m["services"], asset)) {
			continue
		}
		out = append(out, fromHash(m))
	}
	return out, nil
}

// names reports whether text names asset as a whole word: not inside a
// longer name such as web-10 or preweb-1.
func names(text, asset string) bool {
	if asset == "" {
		return false
	}
	lt, la := strings.ToLower(text), strings.ToLower(asset)
	for off := 0; ; {
		i := strings.Index(lt[off:], la)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(la)
		if (i == 0 || !nameChar(lt[i-1])) && (end == len(lt) || !nameChar(lt[end])) {
			return true
		}
		off = i + 1
	}
}

// nameChar is a character that continues a name; a dot ends one, so
// "disk full on web-1." names web-1.
func nameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// NewIncidentForm is the new-incident form with the affected services
// filled in, for another domain's button (an asset's Open incident).
func (s *Service) NewIncidentForm(ctx context.Context, req *bot.Request, services string) (*bot.Reply, error) {
	r, err := s.cmdNew(ctx, req)
	if err != nil || r.View == nil {
		return r, err
	}
	for _, b := range r.View.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID == fieldServices {
			if el, ok := in.Element.(*slack.PlainTextInputBlockElement); ok {
				el.InitialValue = services
			}
		}
	}
	return r, nil
}
