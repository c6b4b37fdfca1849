#!/bin/sh
# A demo service of the opsbot sandbox: it answers no one, but logs like a
# small web service every few seconds until it is stopped. Arguments: the
# host, the service name, its state directory (pid file and log).
host=$1 svc=$2 dir=$3
log=$dir/log
say() { echo "$(date -u '+%Y-%m-%dT%H:%M:%SZ') $host $svc[$$]: $*" >>"$log"; }
trap 'say "stopping (SIGTERM)"; exit 0' TERM INT
say "started"
echo $$ >"$dir/pid.new" && mv "$dir/pid.new" "$dir/pid"
n=0
while :; do
	sleep 3 &
	wait $!
	n=$((n + 1))
	say "GET /health 200, $n requests served"
done
