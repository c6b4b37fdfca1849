package promtest

import (
	"os/exec"
	"path/filepath"
	"testing"

	"opsbot/integrations/testenv"
)

// NodeExporter is a running prometheus-node-exporter: the real one, with
// this machine's metrics, for tests and demos that scrape it.
type NodeExporter struct {
	proc *testenv.Process
}

// StartNodeExporter runs prometheus-node-exporter on a free loopback port
// and stops it when the test ends. Without the binary the test is
// skipped, or fails when OPSBOT_INTEGRATION=require.
func StartNodeExporter(tb testing.TB) *NodeExporter {
	tb.Helper()
	bin := testenv.LookPath(tb, nodePackage, nodeBinaries...)
	n, err := startNodeExporter(bin, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(n.proc.Stop)
	return n
}

// NewNodeExporter is StartNodeExporter for programs: its textfile
// collector reads dir/textfile (created by the caller, or absent), and
// the caller must Close it. Without the binary the error is a
// *testenv.MissingError.
func NewNodeExporter(dir string) (*NodeExporter, error) {
	bin, err := testenv.Find(nodePackage, nodeBinaries...)
	if err != nil {
		return nil, err
	}
	return startNodeExporter(bin, dir)
}

const nodePackage = "prometheus-node-exporter"

var nodeBinaries = []string{"prometheus-node-exporter", "node_exporter"}

func startNodeExporter(bin, dir string) (*NodeExporter, error) {
	p, err := testenv.Launch("promtest: node exporter", "/metrics", func(addr string, _ int) *exec.Cmd {
		return exec.Command(bin, "--web.listen-address="+addr,
			"--collector.textfile.directory="+filepath.Join(dir, "textfile"))
	})
	if err != nil {
		return nil, err
	}
	return &NodeExporter{proc: p}, nil
}

// Addr is host:port to scrape.
func (n *NodeExporter) Addr() string { return n.proc.Addr() }

// Close stops the exporter and waits for it to exit.
func (n *NodeExporter) Close() error {
	n.proc.Stop()
	return nil
}
