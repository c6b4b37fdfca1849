package asset

import (
	"errors"
	"fmt"
	"os"
	"time"

	"opsbot/commands/runner"
)

// Config is the `asset` section: how the asset commands behave.
type Config struct {
	// Check shapes asset check's fan-out (concurrency, batch_size,
	// stop_after_failures, stop_above_fraction), as in the changes section.
	Check runner.Policy `yaml:"check"`
	// CheckTimeout bounds the check on one host (default 30s).
	CheckTimeout time.Duration `yaml:"check_timeout"`
	// ExpiringDays is asset expiring's window when none is given
	// (default 90).
	ExpiringDays int `yaml:"expiring_days"`
	// PageSize is how many assets a page of asset list shows (default
	// 20, at most 40).
	PageSize int `yaml:"page_size"`
	// ImportDir is the folder `asset import <file>` reads from (a file
	// name, not a path, is given in chat); empty turns import off.
	ImportDir string `yaml:"import_dir"`
	// TimeZone writes dates for clients that cannot show Slack's <!date>
	// (default UTC).
	TimeZone string `yaml:"time_zone"`
}

// Defaults.
const (
	DefaultCheckTimeout = 30 * time.Second
	DefaultExpiringDays = 90
	DefaultPageSize     = 20
	MaxPageSize         = 40
)

func (c Config) withDefaults() Config {
	if c.CheckTimeout == 0 {
		c.CheckTimeout = DefaultCheckTimeout
	}
	if c.ExpiringDays == 0 {
		c.ExpiringDays = DefaultExpiringDays
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	return c
}

// Validate lists every problem, each as "<key.path>: <problem>".
func (c Config) Validate() []error {
	var errs []error
	for _, e := range c.Check.Validate() {
		errs = append(errs, fmt.Errorf("check.%w", e))
	}
	if c.CheckTimeout < 0 {
		errs = append(errs, errors.New("check_timeout: must not be negative"))
	}
	if c.ExpiringDays < 0 || c.ExpiringDays > 3650 {
		errs = append(errs, fmt.Errorf("expiring_days: %d: use 1 to 3650", c.ExpiringDays))
	}
	if c.PageSize < 0 || c.PageSize > MaxPageSize {
		errs = append(errs, fmt.Errorf("page_size: %d: use 1 to %d", c.PageSize, MaxPageSize))
	}
	if c.ImportDir != "" {
		if st, err := os.Stat(c.ImportDir); err != nil || !st.IsDir() {
			errs = append(errs, fmt.Errorf("import_dir: %s is not a folder opsbot can read", c.ImportDir))
		}
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			errs = append(errs, fmt.Errorf("time_zone: %q is not a known IANA time zone (like Europe/Berlin)", c.TimeZone))
		}
	}
	return errs
}
