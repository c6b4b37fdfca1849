package asset

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/inventory"
)

// trailingPage is a page number after the selector.
var trailingPage = regexp.MustCompile(`(?:^|\s+)(\d{1,6})$`)

func (s *Service) cmdList(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	text := strings.TrimSpace(blocks.Unescape(req.Args.Rest(0)))
	page := 1
	if m := trailingPage.FindStringSubmatchIndex(text); m != nil {
		page, _ = strconv.Atoi(text[m[2]:m[3]])
		text = strings.TrimSpace(text[:m[0]])
	}
	if page < 1 {
		return nil, req.Command.UsageError("pages start at 1")
	}
	return s.list(ctx, text, page)
}

func (s *Service) clickPage(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, sel, ok := strings.Cut(req.Action.Value, "|")
	page, err := strconv.Atoi(n)
	if !ok || err != nil || page < 1 {
		return nil, bot.Errorf(bot.CodeInvalid, "that button is from an older opsbot; run `asset list` again")
	}
	r, err := s.list(ctx, sel, page)
	if err != nil {
		return nil, err
	}
	r.ReplaceOriginal = true
	return r, nil
}

// list is one page of the assets text picks, with counts per environment
// and role over all of them.
func (s *Service) list(ctx context.Context, text string, page int) (*bot.Reply, error) {
	sel, err := inventory.ParseSelector(text)
	if err != nil {
		return nil, bot.Errorf(bot.CodeInvalid, "%s", blocks.Escape(err.Error()))
	}
	size := s.cfg.PageSize
	res, err := s.index.Select(ctx, inventory.Query{Selector: sel, Offset: (page - 1) * size, Limit: size, CountBy: []string{"env", "role"}})
	if err != nil {
		return nil, notLoaded(err)
	}
	if res.Total == 0 {
		if text == "" {
			return bot.Text("The inventory is empty: `asset sources` says where assets come from."), nil
		}
		return nil, s.noMatch(ctx, sel)
	}
	pages := (res.Total + size - 1) / size
	if page > pages {
		return nil, bot.Errorf(bot.CodeInvalid, "there are %d pages of %s; ask for 1 to %d", pages, plural(res.Total, "asset"), pages)
	}
	what := "in the inventory"
	if text != "" {
		what = "match " + blocks.Inline(blocks.PlainCut(text, 200))
	}
	head := fmt.Sprintf("%s %s", plural(res.Total, "asset"), what)
	if res.Total == 1 {
		head = strings.Replace(head, " match ", " matches ", 1)
	}
	b := []slack.Block{blocks.Section("*" + head + "*"),
		blocks.Context(blocks.Cut("By environment: "+counts(res.Counts["env"]), 1900), blocks.Cut("By role: "+counts(res.Counts["role"]), 1900))}
	lines := make([]string, len(res.Assets))
	for i, a := range res.Assets {
		lines[i] = s.listLine(a)
	}
	secs, _ := sections(lines, 10)
	b = append(b, secs...)
	if pages > 1 {
		b = append(b, blocks.Context(fmt.Sprintf("Page %d of %d", page, pages)))
		var btns []slack.BlockElement
		if page > 1 {
			btns = append(btns, blocks.Button(actionPage, "Previous", pageValue(page-1, text), ""))
		}
		if page < pages {
			btns = append(btns, blocks.Button(actionPage, "Next", pageValue(page+1, text), ""))
		}
		b = append(b, blocks.Actions("asset.pages", btns...))
	}
	return &bot.Reply{Text: head, Blocks: b}, nil
}

// pageValue is a paging button's value: the page and the selector.
func pageValue(page int, sel string) string {
	return strconv.Itoa(page) + "|" + blocks.PlainCut(sel, blocks.MaxButtonValue-10)
}

// counts is "prod 12 · staging 4 · none 1", largest first.
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "—"
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	parts := make([]string, 0, min(len(keys), 12))
	for i, k := range keys {
		if i == 12 {
			parts = append(parts, fmt.Sprintf("%d more", len(keys)-12))
			break
		}
		label := k
		if k == "" {
			label = "none"
		}
		parts = append(parts, fmt.Sprintf("%s %d", blocks.EscapeCut(label, 60), m[k]))
	}
	return strings.Join(parts, " · ")
}
