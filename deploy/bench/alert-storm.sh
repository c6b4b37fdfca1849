#!/bin/sh
# alert-storm.sh — how fast an alert storm reaches Slack and resolves there.
#
# Starts a real Alertmanager (group_wait and group_interval 1s), a real
# redis-server, the local Slack (internal/slackemu) and the built opsbot, then
# posts 5,000 alerts in 50 groups of 100 to Alertmanager's v2 API, waits
# until every alert is represented on a card (its group's own message or
# its channel's storm digest), resolves them all (in batches across the
# groups, so each group's resolves come in several notifications) and
# waits until every card shows all of its group's alerts resolved.
# Prints both times and the number of posts and updates.
#
# Needs Go, prometheus-alertmanager and redis-server. Size with
# OPSBOT_STORM_GROUPS and OPSBOT_STORM_PER_GROUP.
#
#   deploy/bench/alert-storm.sh
#   OPSBOT_STORM_GROUPS=10 OPSBOT_STORM_PER_GROUP=20 deploy/bench/alert-storm.sh
set -eu
cd "$(dirname "$0")/../.."
OPSBOT_BENCH_STORM=1 exec go test -count=1 -timeout 15m -run '^TestE2EAlertStormThroughAlertmanager$' -v ./cmd/opsbot
