package incident

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// HomeSection is the App Home section "open incidents I'm in": those user
// reported, acknowledged, holds a role in, wrote in, or was paged for.
func (s *Service) HomeSection(ctx context.Context, userID string) ([]slack.Block, error) {
	total, incs, err := s.st.list(ctx, []string{s.st.set("open"), s.st.userSet(userID)}, 10)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	var b strings.Builder
	if total == 0 {
		b.WriteString("You are in no open incidents.")
	}
	now := s.now()
	for _, i := range incs {
		role := ""
		switch {
		case i.Commander == userID:
			role = " · you are commander"
		case i.Reporter == userID:
			role = " · you reported it"
		}
		// Ten full titles of &s would pass a section's 3,000 characters.
		fmt.Fprintf(&b, "%s *%s* %s · %s · opened %s%s\n", stateIcon[i.State], i.ID(), i.Severity, blocks.EscapeCut(i.Title, homeTitle), elapsed(now, i.Created), role)
	}
	if total > int64(len(incs)) {
		fmt.Fprintf(&b, "…and %d more: `incident list open mine`", total-int64(len(incs)))
	}
	return []slack.Block{
		blocks.Header("Open incidents you're in"),
		blocks.Section(strings.TrimSuffix(b.String(), "\n")),
	}, nil
}

// homeTitle is how much of a title the App Home shows (`incident show`
// has the rest).
const homeTitle = 80
