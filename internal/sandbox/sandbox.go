// Package sandbox starts, on loopback, the real servers opsbot works with
// — redis-server, sshd posing as a small estate of hosts with demo
// services, prometheus with node exporter and demo alert rules,
// Alertmanager routing to opsbot's webhook — with the test helpers of
// integrations/*/…test, and writes an opsbot config for them. `opsbot
// sandbox` opens the console on it, so a newcomer can try every command.
// A server whose binary is missing is left out, saying which Debian
// package provides it.
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"opsbot/integrations/redisstore/redistest"
	"opsbot/integrations/testenv"
)

// Options configure Start.
type Options struct {
	// Dir is where the sandbox's temporary directory is made (default
	// os.TempDir()).
	Dir string
	// Progress, when set, hears about each part as it starts.
	Progress func(msg string)
}

// Sandbox is a set of running servers and the opsbot config that uses them.
type Sandbox struct {
	// Dir holds everything the sandbox wrote; Close removes it.
	Dir string
	// ConfigPath is the generated opsbot config.
	ConfigPath string
	// FilesDir is where the console should save files (graphs, postmortems).
	FilesDir string
	// HTTPAddr is where opsbot must serve /metrics and the webhook, as the
	// config says: Prometheus scrapes it and Alertmanager posts to it.
	HTTPAddr string
	// Parts are the servers that run, Missing the ones left out.
	Parts   []Part
	Missing []*testenv.MissingError

	hosts   *hosts // nil without sshd
	closers []func() error
}

// Part is one running server.
type Part struct {
	Name  string // "redis-server"
	Where string // its address or URL
	What  string // what it is for
}

// Start starts every server it finds, writes the config and returns. The
// caller must Close the sandbox, also after an error-free start of only
// some parts. A part that fails to start for another reason than a
// missing binary fails Start (after stopping the others).
func Start(ctx context.Context, o Options) (sb *Sandbox, err error) {
	progress := o.Progress
	if progress == nil {
		progress = func(string) {}
	}
	root, err := os.MkdirTemp(o.Dir, "opsbot-sandbox-")
	if err != nil {
		return nil, fmt.Errorf("sandbox directory: %w", err)
	}
	s := &Sandbox{Dir: root, ConfigPath: filepath.Join(root, "opsbot.yaml"), FilesDir: filepath.Join(root, "files")}
	s.onClose(func() error { return os.RemoveAll(root) })
	defer func() {
		if err != nil {
			_ = s.Close()
			sb = nil
		}
	}()
	if err := os.Mkdir(s.FilesDir, 0o700); err != nil {
		return nil, fmt.Errorf("files directory: %w", err)
	}
	port, err := testenv.FreePort()
	if err != nil {
		return nil, fmt.Errorf("a port for opsbot: %w", err)
	}
	s.HTTPAddr = fmt.Sprintf("127.0.0.1:%d", port)
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	d := configData{Root: root, HTTP: s.HTTPAddr, People: People(), Groups: groupServices(), Token: token}

	progress("starting redis-server")
	if err := s.startRedis(&d); err != nil {
		return nil, err
	}
	progress("starting sshd for the hosts and their demo services")
	h, err := s.startHosts(ctx, &d)
	if err != nil {
		return nil, err
	}
	progress("starting node exporter, Alertmanager and Prometheus")
	if err := s.startMonitoring(h, &d); err != nil {
		return nil, err
	}
	if err := writeConfig(s.ConfigPath, d); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sandbox) startRedis(d *configData) error {
	dir, err := subdir(s.Dir, "redis")
	if err != nil {
		return err
	}
	r, err := redistest.New(dir)
	if s.missing(err) {
		return nil
	}
	if err != nil {
		return err
	}
	s.onClose(r.Close)
	d.Redis = r.Addr
	s.Parts = append(s.Parts, Part{"redis-server", r.Addr, "opsbot's state"})
	return nil
}

func (s *Sandbox) startHosts(ctx context.Context, d *configData) (*hosts, error) {
	h, err := startHosts(ctx, s.Dir)
	if s.missing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.onClose(h.close)
	s.hosts = h
	d.SSH = &sshData{KnownHosts: h.ssh.KnownHostsFile(), KeyFile: h.ssh.ClientKeyFile(), User: h.ssh.User()}
	for _, spec := range h.specs {
		d.Hosts = append(d.Hosts, hostData{hostSpec: spec, Port: h.byIP[spec.IP].Port})
		s.Parts = append(s.Parts, Part{"sshd", h.byIP[spec.IP].Addr(),
			fmt.Sprintf("host %s (%s, %s): %v", spec.Name, spec.Group, spec.Env, groupServices()[spec.Group])})
	}
	return h, nil
}

// startMonitoring starts the services' exporter, node exporter,
// Alertmanager (routing to opsbot) and Prometheus (scraping them all and
// opsbot, alerting to Alertmanager). Without one of the two servers the
// config points opsbot at a closed port for it, so its commands say it is
// unavailable.
func (s *Sandbox) startMonitoring(h *hosts, d *configData) error {
	specs := estate()
	var servicesAddr string
	if h != nil {
		e, err := startExporter(h)
		if err != nil {
			return fmt.Errorf("the services' exporter: %w", err)
		}
		s.onClose(e.close)
		servicesAddr = e.addr
		s.Parts = append(s.Parts, Part{"exporter", "http://" + e.addr + "/metrics", "sandbox_service_up of each demo service"})
	}
	var nodeAddr string
	n, err := startNodeExporter(s.Dir)
	switch {
	case s.missing(err):
	case err != nil:
		return err
	default:
		s.onClose(n.Close)
		nodeAddr = n.Addr()
		s.Parts = append(s.Parts, Part{"node exporter", "http://" + nodeAddr + "/metrics", "this machine's metrics, shown as each host's"})
	}
	am, err := startAlertmanager(s.Dir, s.HTTPAddr, d.Token)
	switch {
	case s.missing(err):
	case err != nil:
		return err
	default:
		s.onClose(am.Close)
		d.AM = am.URL()
		s.Parts = append(s.Parts, Part{"alertmanager", am.URL(), "routes every alert to opsbot's webhook"})
	}
	prom, err := startPrometheus(s.Dir, prometheusTargets(specs, nodeAddr, servicesAddr, s.HTTPAddr), d.AM)
	switch {
	case s.missing(err):
	case err != nil:
		return err
	default:
		s.onClose(prom.Close)
		d.Prom = prom.URL
		s.Parts = append(s.Parts, Part{"prometheus", prom.URL, "scrapes the exporters and opsbot; demo alert rules"})
	}
	if d.AM == "" && d.Prom == "" {
		return nil
	}
	closed, err := closedURL()
	if err != nil {
		return err
	}
	if d.AM == "" {
		d.AM = closed
		d.MissingMon = append(d.MissingMon, "alertmanager.url: nothing listens there; prometheus-alertmanager is not installed")
	}
	if d.Prom == "" {
		d.Prom = closed
		d.MissingMon = append(d.MissingMon, "prometheus.url: nothing listens there; prometheus is not installed")
	}
	return nil
}

// missing records err when it is a missing binary and says so.
func (s *Sandbox) missing(err error) bool {
	var m *testenv.MissingError
	if !errors.As(err, &m) {
		return false
	}
	s.Missing = append(s.Missing, m)
	return true
}

func (s *Sandbox) onClose(f func() error) { s.closers = append(s.closers, f) }

// Close stops every server (the demo services first), newest first, and
// removes the sandbox's directory.
func (s *Sandbox) Close() error {
	var errs []error
	for _, f := range slices.Backward(s.closers) {
		errs = append(errs, f())
	}
	s.closers = nil
	return errors.Join(errs...)
}

func errMissing(binary, pkg string) error {
	return &testenv.MissingError{Binary: binary, Package: pkg}
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// closedURL is a loopback URL nothing listens on.
func closedURL() (string, error) {
	port, err := testenv.FreePort()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port), nil
}
