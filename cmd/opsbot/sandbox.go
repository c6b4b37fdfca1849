package main

import (
	"context"
	"fmt"

	"opsbot/internal/sandbox"
)

// runSandbox starts real servers on loopback (internal/sandbox), prints
// what runs where and the config written for them, and opens the console
// on that config with its HTTP endpoints where Prometheus scrapes and
// Alertmanager posts. When the console ends, Close stops every server and
// removes the sandbox's directory (the sandbox's closer is the first
// registered, so it runs after opsbot's own have closed their connections).
func (m *Main) runSandbox(ctx context.Context) error {
	if m.configSet {
		fmt.Fprintf(m.stdout, "The sandbox writes its own config; %s is not used.\n", m.ConfigPath)
	}
	fmt.Fprintln(m.stdout, "Starting the sandbox:")
	sb, err := sandbox.Start(ctx, sandbox.Options{Progress: func(msg string) { fmt.Fprintln(m.stdout, "  "+msg) }})
	if err != nil {
		return fmt.Errorf("start the sandbox: %w", err)
	}
	m.onClose(sb.Close)
	fmt.Fprint(m.stdout, sb.Summary())
	m.ConfigPath, m.configSet = sb.ConfigPath, true
	m.HTTP = true
	m.fileDir = sb.FilesDir
	return m.runConsole(ctx)
}
