package amtest

import (
	"os/exec"
	"path/filepath"
	"strconv"

	"opsbot/integrations/testenv"
)

// startProcess runs Alertmanager with cfgPath on a free loopback port.
func startProcess(bin, cfgPath, dir string) (*testenv.Process, error) {
	return testenv.Launch("amtest: alertmanager", "/-/ready", func(addr string, attempt int) *exec.Cmd {
		return exec.Command(bin,
			"--config.file="+cfgPath,
			"--storage.path="+filepath.Join(dir, "data-"+strconv.Itoa(attempt)),
			"--web.listen-address="+addr,
			"--web.external-url=http://"+addr,
			"--cluster.listen-address=", // no gossip, no port 9094
		)
	})
}
