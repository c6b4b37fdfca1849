package asset

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/bot/blocks"
	"opsbot/integrations/inventory"
)

// cmdImport imports a YAML or CSV file from asset.import_dir. Only a file
// name is taken, never a path: chat must not read the server's files.
func (s *Service) cmdImport(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if s.cfg.ImportDir == "" {
		return nil, bot.Errorf(bot.CodeUnavailable, "importing is off: an admin sets asset.import_dir to the folder import files are put in")
	}
	if req.Args.Len() != 1 {
		return nil, req.Command.UsageError("name one file in the import folder")
	}
	name := req.Args.Arg(0)
	if name != filepath.Base(name) || strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\`) {
		return nil, bot.Errorf(bot.CodeInvalid, "give a file name from the import folder, not a path: %s", blocks.Inline(blocks.PlainCut(name, 60)))
	}
	path := filepath.Join(s.cfg.ImportDir, name)
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return nil, bot.Errorf(bot.CodeNotFound, "there is no file %s in the import folder", blocks.Inline(name))
	}
	if st.Size() > inventory.MaxFileSize {
		return nil, bot.Errorf(bot.CodeInvalid, "%s is larger than %d MiB", blocks.Inline(name), inventory.MaxFileSize>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read import file %s: %w", path, err)
	}
	n, err := s.index.Imported().Store(ctx, name, data, req.UserID, s.now())
	var ps inventory.Problems
	if errors.As(err, &ps) {
		lines := strings.Split(ps.Error(), "\n")
		return nil, bot.Errorf(bot.CodeInvalid, "%s was not imported (the inventory is unchanged): %s\n%s", blocks.Inline(name), plural(len(ps), "problem"),
			blocks.Code(strings.Join(lines[:min(len(lines), 20)], "\n"), 2500))
	}
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	s.record(ctx, req.UserID, "asset.import", fmt.Sprintf("%s: %d assets", name, n))
	reloadErr := s.d.Inventory.Reload(ctx)
	st2 := s.d.Inventory.Status()
	msg := fmt.Sprintf("Imported %s from %s; the inventory now has %s.", plural(n, "asset"), blocks.Inline(name), plural(st2.Assets, "asset"))
	for _, c := range st2.Conflicts {
		if containsStr(c.Losers, inventory.ImportSource) {
			msg += " Some imported names are also in sources of higher precedence, which win: see `asset sources`."
			break
		}
	}
	if reloadErr != nil {
		msg += " Some sources did not read: see `asset sources`."
	}
	return &bot.Reply{Text: msg}, nil
}

func (s *Service) record(ctx context.Context, user, action, detail string) {
	if s.d.Audit == nil {
		return
	}
	if err := s.d.Audit.Record(ctx, audit.Entry{User: user, Action: action, Detail: detail, Outcome: "succeeded"}); err != nil {
		s.log.Warn("audit record failed", "action", action, "err", err)
	}
}
