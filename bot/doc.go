// Package bot is opsbot's chat runtime: the request and reply types every
// transport and command share, the verb registry and router, the
// middleware chain, and the errors meant for people. It knows nothing of
// incidents, changes or SSH; domains plug in through Register.
package bot
