#!/bin/sh
# ssh-fanout.sh — how fast opsbot runs a command on 100 hosts.
#
# Starts ~100 loopback "hosts" (several OpenSSH sshd processes serving
# 127.0.0.11-127.0.0.110, each with its own port), then runs `true` on all
# of them at parallelism 32 with:
#   - opsbot's sshexec executor, cold (new connections) and warm (pooled),
#   - a bare golang.org/x/crypto/ssh loop (the floor for cold runs),
#   - parallel-ssh -p 32 (Debian package pssh), also with curve25519 key
#     exchange (x/crypto's kex; OpenSSH's default sntrup761 costs the client
#     ~55 ms CPU per connection),
#   - ansible -f 32 -m raw, when installed (Debian package ansible-core),
# and prints one table (median and best wall seconds over the rounds).
#
# Needs Go, /usr/sbin/sshd, and root or OPSBOT_SSHTEST_USER (see
# integrations/sshexec/sshtest). Flags: -hosts N, -p N, -rounds N.
#
#   deploy/bench/ssh-fanout.sh
#   deploy/bench/ssh-fanout.sh -rounds 5
set -eu
cd "$(dirname "$0")/../.."
exec go run ./integrations/sshexec/internal/benchfanout "$@"
