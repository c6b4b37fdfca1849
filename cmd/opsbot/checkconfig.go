package main

import (
	"fmt"
	"os"

	"opsbot/bot/config"
)

// checkConfig validates the config as `opsbot run` would, printing every
// problem and warning; it fails when there are problems.
func (m *Main) checkConfig() error {
	f, err := os.Open(m.ConfigPath)
	if err != nil {
		return configError{report: fmt.Sprintf("open config: %v (give the file's path: opsbot check-config FILE)", err)}
	}
	defer f.Close()
	_, doc := loadConfig(config.NewLoader(), m.ConfigPath, f, true)
	rep := doc.Report()
	if !rep.OK() {
		return configError{report: rep.String()}
	}
	fmt.Fprint(m.stdout, rep.String())
	fmt.Fprintln(m.stdout, "config is valid")
	return nil
}
