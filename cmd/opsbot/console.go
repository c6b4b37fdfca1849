package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/alicebob/miniredis/v2"

	"opsbot/bot/console"
	"opsbot/bot/httpserver"
	"opsbot/integrations/redisstore"
)

// runConsole runs opsbot in the terminal with the same router as Slack.
func (m *Main) runConsole(ctx context.Context) error {
	cfg, doc, err := m.readConfig(false)
	if err != nil {
		return err
	}
	store, where, err := m.consoleStore(ctx, cfg.Redis)
	if err != nil {
		return err
	}
	app, err := newCore(cfg, doc, store, nil, m.stderr)
	if err != nil {
		return err
	}
	m.onClose(app.Close)
	source := "config " + m.ConfigPath
	if len(doc.Report().Warnings) > 0 || !m.configSet {
		if _, statErr := os.Stat(m.ConfigPath); statErr != nil && !m.configSet {
			source = "built-in demo settings (no " + m.ConfigPath + ")"
		}
	}
	prompt := ""
	if isTerminal(m.stdin) {
		prompt = "opsbot> "
	}
	c := console.New(app.Router, m.stdout, console.Options{User: m.As, Channel: m.Channel, Prompt: prompt,
		FileDir: m.fileDir, People: cfg.Oncall.People, Log: app.Log})
	if err := app.MountAll(Surface{Chat: c}); err != nil {
		return err
	}
	if m.HTTP {
		httpCfg := cfg.HTTP
		if httpCfg.Listen == httpserver.DefaultListen {
			// That is `opsbot run`'s address, and Prometheus' default port
			// (the demo settings' Prometheus is there): the console takes
			// a free port unless the config names another address.
			httpCfg.Listen = "127.0.0.1:0"
		}
		addr, err := m.serveHTTP(app, httpCfg)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.stdout, "metrics and health on http://%s\n", addr)
	}
	fmt.Fprintf(m.stdout, "opsbot %s console: %s; state in %s.\nYou are %s. Type `help`, `as <user>` to act as someone else, `click N` for a button, or `quit` to leave.\n",
		Version, source, where, c.Who())
	// The step loop (escalations, reminders, handoffs) runs beside the
	// session and stops with it.
	bg, stop := context.WithCancel(ctx)
	done, err := app.Start(bg)
	if err != nil {
		stop()
		return err
	}
	err = c.Run(ctx, m.stdin)
	stop()
	<-done
	return err
}

// consoleStore connects to the configured Redis when it answers, and
// otherwise starts an embedded in-memory one, saying which.
func (m *Main) consoleStore(ctx context.Context, cfg redisstore.Config) (*redisstore.Store, string, error) {
	if len(cfg.Addrs) > 0 {
		if cfg.DialTimeout == 0 {
			cfg.DialTimeout = time.Second
		}
		s, err := redisstore.Open(cfg)
		if err != nil {
			return nil, "", err
		}
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err = s.Ping(pctx)
		cancel()
		if err == nil {
			m.onClose(s.Close)
			return s, fmt.Sprintf("Redis at %v", cfg.Addrs), nil
		}
		_ = s.Close()
		fmt.Fprintf(m.stdout, "Redis at %v does not answer (%v); using an embedded Redis instead.\n", cfg.Addrs, err)
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		return nil, "", fmt.Errorf("start embedded redis: %w", err)
	}
	m.onClose(func() error { mr.Close(); return nil })
	s, err := redisstore.Open(redisstore.Config{Addrs: []string{mr.Addr()}, KeyPrefix: cfg.KeyPrefix})
	if err != nil {
		return nil, "", err
	}
	m.onClose(s.Close)
	return s, "an embedded in-memory Redis (nothing is kept after exit)", nil
}
