package main

import (
	"context"
	"errors"
)

// runSlack connects to Slack over Socket Mode and serves until ctx ends.
func (m *Main) runSlack(ctx context.Context) error {
	if _, _, err := m.readConfig(true); err != nil {
		return err
	}
	return errors.New("the Slack transport is not built yet; use `opsbot console`")
}
