package amtest

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"opsbot/integrations/testenv"
)

// startProcess runs Alertmanager with cfgPath on a free loopback port and
// registers its stop with tb.Cleanup.
func startProcess(tb testing.TB, bin, cfgPath, dir string) *testenv.Process {
	tb.Helper()
	return testenv.StartServer(tb, "amtest: alertmanager", "/-/ready", func(addr string, attempt int) *exec.Cmd {
		return exec.Command(bin,
			"--config.file="+cfgPath,
			"--storage.path="+filepath.Join(dir, "data-"+strconv.Itoa(attempt)),
			"--web.listen-address="+addr,
			"--web.external-url=http://"+addr,
			"--cluster.listen-address=", // no gossip, no port 9094
		)
	})
}
