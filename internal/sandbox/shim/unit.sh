#!/bin/sh
# systemctl and journalctl on a host of the opsbot sandbox (installed under
# both names). A host is a loopback address served by the sandbox's sshd;
# its services are demo processes (see demo-service), whose pid file and
# log are in $SANDBOX_HOSTS/state/<host>/<service>. Only what opsbot's
# actions use is understood: systemctl start|stop|restart|status|is-active
# UNIT..., systemctl is-system-running and list-units --state=failed (for
# asset check), journalctl -u UNIT [-n LINES].
set -u
me=$(basename "$0")
hosts=${SANDBOX_HOSTS:?"$me: not a sandbox host (SANDBOX_HOSTS is unset)"}
# The address the SSH client reached says which host this is.
ip=${SANDBOX_HOST_IP:-$(echo "${SSH_CONNECTION:-}" | cut -d' ' -f3)}
host=$(cat "$hosts/by-ip/$ip" 2>/dev/null) || {
	echo "$me: no sandbox host has the address '$ip'" >&2
	exit 1
}

# unit sets u (the name without .service) and d (its state directory).
unit() {
	u=${1%.service}
	d=$hosts/state/$host/$u
	case $u in */* | '') d= ;; esac
	[ -n "$d" ] && [ -d "$d" ] && return 0
	echo "Unit $u.service could not be found." >&2
	return 1
}

pid() { cat "$d/pid" 2>/dev/null; }

# running: the pid file names a live process (a zombie is not one).
running() {
	p=$(pid) && [ -n "$p" ] || return 1
	s=$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null) || return 1
	[ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}

start() {
	running && return 0
	rm -f "$d/pid"
	setsid "$hosts/bin/demo-service" "$host" "$u" "$d" </dev/null >/dev/null 2>&1 &
	i=0
	until [ -s "$d/pid" ]; do
		i=$((i + 1))
		if [ $i -gt 50 ]; then
			echo "Job for $u.service failed: it did not start." >&2
			return 1
		fi
		sleep 0.1
	done
}

stop() {
	if running; then
		p=$(pid)
		kill -TERM -"$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
		i=0
		while running; do
			i=$((i + 1))
			if [ $i -gt 50 ]; then
				kill -KILL -"$p" 2>/dev/null
				break
			fi
			sleep 0.1
		done
	fi
	rm -f "$d/pid"
}

status() {
	if running; then
		echo "● $u.service - $u, a demo service of the opsbot sandbox"
		echo "     Active: active (running) since $(date -u -r "$d/pid" '+%a %Y-%m-%d %H:%M:%S UTC')"
		echo "   Main PID: $(pid) (demo-service)"
		rc=0
	else
		echo "○ $u.service - $u, a demo service of the opsbot sandbox"
		echo "     Active: inactive (dead)"
		rc=3
	fi
	if [ -s "$d/log" ]; then
		echo
		tail -n 3 "$d/log"
	fi
	return $rc
}

systemctl() {
	verb=
	for a in "$@"; do
		case $a in -*) ;; *) verb=$a; break ;; esac
	done
	[ -n "$verb" ] && shift
	case $verb in
	is-system-running | list-units)
		# For asset check: a demo service that is not running counts as
		# failed, and the host as degraded while one is.
		failed=
		for d in "$hosts/state/$host"/*; do
			[ -d "$d" ] || continue
			running || failed="$failed $(basename "$d").service"
		done
		if [ "$verb" = list-units ]; then
			for u in $failed; do echo "$u loaded failed failed ${u%.service}, a demo service of the opsbot sandbox"; done
		elif [ -n "$failed" ]; then
			echo degraded
			return 1
		else
			echo running
		fi
		return 0
		;;
	esac
	rc=0
	for a in "$@"; do
		case $a in -*) continue ;; esac
		unit "$a" || { rc=4; continue; }
		case $verb in
		start) start || rc=1 ;;
		stop) stop ;;
		restart) stop; start || rc=1 ;;
		status) status || rc=$? ;;
		is-active) if running; then echo active; else echo inactive; rc=3; fi ;;
		*) echo "$me: the sandbox knows start, stop, restart, status and is-active, not '$verb'" >&2; exit 1 ;;
		esac
	done
	return $rc
}

journalctl() {
	name= lines=10
	while [ $# -gt 0 ]; do
		case $1 in
		-u) name=${2:-}; shift ;;
		-n) lines=${2:-10}; shift ;;
		esac
		shift
	done
	unit "$name" || return 1
	tail -n "$lines" "$d/log" 2>/dev/null
	return 0
}

case $me in
journalctl) journalctl "$@" ;;
*) systemctl "$@" ;;
esac
