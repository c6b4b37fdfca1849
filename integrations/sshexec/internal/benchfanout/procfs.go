package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/stat times (100 on Linux).
const clockTick = 10 * time.Millisecond

// machineBusy returns the CPU time all cores have spent on anything but
// idle and I/O wait since boot, from the first line of /proc/stat. Per
// process figures can't be used for the servers: a live process's
// utime/stime lag what its parent is credited when it exits, so a reading
// taken while connections are open undercounts. Only meaningful on Linux.
func machineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var ticks int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i > 7 { // guest times are already in user
			break
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * clockTick
}

func children(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var out []int
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

func countChildren(pids []int) int {
	n := 0
	for _, p := range pids {
		n += len(children(p))
	}
	return n
}

// waitChildren waits (up to limit) until the listeners have at most n
// connections left.
func waitChildren(pids []int, n int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for countChildren(pids) > n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}
