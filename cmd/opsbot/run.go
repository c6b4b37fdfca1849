package main

import (
	"context"
	"fmt"
	"time"

	"opsbot/bot/outbox"
	"opsbot/bot/socketmode"
	"opsbot/integrations/redisstore"
)

// drainTime is how long handlers in flight may finish at shutdown, unless
// -drain says otherwise.
const drainTime = 20 * time.Second

// runSlack connects to Slack over Socket Mode and serves until ctx ends.
func (m *Main) runSlack(ctx context.Context) error {
	cfg, doc, err := m.readConfig(true)
	if err != nil {
		return err
	}
	if len(cfg.Redis.Addrs) == 0 {
		return configError{report: "redis.addrs: `opsbot run` needs a Redis; set redis.addrs (the console alone can use an embedded one)\n"}
	}
	// Redis first: every replica decides in Redis what must happen once.
	store, err := redisstore.Open(cfg.Redis)
	if err != nil {
		return err
	}
	m.onClose(store.Close)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = store.Ping(pctx)
	cancel()
	if err != nil {
		return fmt.Errorf("redis at %v does not answer: %w", cfg.Redis.Addrs, err)
	}

	// The core, then the transport, then the domains: each domain is
	// built with the outbox it posts through.
	api := socketmode.NewAPI(cfg.Slack)
	app, err := newCore(cfg, doc, store, socketmode.NewGroupCache(api, time.Minute), m.stderr)
	if err != nil {
		return err
	}
	m.onClose(app.Close)
	out := outbox.New(api, outbox.Options{}, app.Registry, app.Log)
	transport := socketmode.New(cfg.Slack, api, app.Router, out, store, app.Panics, app.Registry, app.Log)
	// A bot token refused while running (app uninstalled, token revoked)
	// stops opsbot with a message saying so, instead of failing every post.
	out.OnFailure(transport.BotTokenRefused)
	workspace := socketmode.NewWorkspace(api)
	if err := app.MountAll(Surface{Chat: out, Channels: workspace, UserGroups: workspace}); err != nil {
		return err
	}
	for _, h := range app.Home {
		transport.Home().Add(h.Title, h.Render)
	}

	addr, err := m.serveHTTP(app, cfg.HTTP, httpCheck{"slack", transport.Ready})
	if err != nil {
		return err
	}
	app.Log.Info("opsbot starting", "version", Version, "http", addr, "connections", cfg.Slack.Connections)
	bg, stop := context.WithCancel(ctx)
	defer stop()
	done, err := app.Start(bg)
	if err != nil {
		return err
	}
	err = transport.Run(ctx, m.drain())
	stop()
	<-done
	return err
}

// drain is -drain, or drainTime for a Main not built by ParseFlags.
func (m *Main) drain() time.Duration {
	if m.Drain <= 0 {
		return drainTime
	}
	return m.Drain
}
