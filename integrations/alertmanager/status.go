package alertmanager

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// ServerStatus is what Alertmanager reports about itself.
type ServerStatus struct {
	Cluster     ClusterStatus `json:"cluster"`
	VersionInfo VersionInfo   `json:"versionInfo"`
	Config      struct {
		Original string `json:"original"` // the loaded configuration, secrets masked
	} `json:"config"`
	Uptime time.Time `json:"uptime"` // when it started
}

// ClusterStatus describes Alertmanager's high-availability cluster.
type ClusterStatus struct {
	Name   string `json:"name"`
	Status string `json:"status"` // "ready", "settling" or "disabled"
	Peers  []struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"peers"`
}

// VersionInfo identifies the Alertmanager build.
type VersionInfo struct {
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	Branch    string `json:"branch"`
	BuildUser string `json:"buildUser"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
}

// Status returns Alertmanager's version, cluster state and configuration.
func (c *Client) Status(ctx context.Context) (*ServerStatus, error) {
	var s ServerStatus
	if err := c.do(ctx, http.MethodGet, "api/v2/status", nil, nil, &s); err != nil {
		return nil, fmt.Errorf("alertmanager status: %w", err)
	}
	return &s, nil
}

// Ready returns nil when Alertmanager answers its readiness check
// (/-/ready) with 200, which a readiness probe or a health command can use.
func (c *Client) Ready(ctx context.Context) error {
	if err := c.do(ctx, http.MethodGet, "-/ready", nil, nil, nil); err != nil {
		return fmt.Errorf("alertmanager readiness: %w", err)
	}
	return nil
}
