package redisstore

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// QuietDialLogger is a logger for go-redis (redis.SetLogger) that drops
// its "failed to dial" lines and writes the rest to W. With Redis down
// go-redis prints one of those for every connection attempt, flooding the
// terminal, while each caller already gets the error and reports it in
// its own words ("state store unavailable", the readiness check, the
// console's fallback to an embedded Redis).
type QuietDialLogger struct{ W io.Writer }

// Printf implements go-redis' internal.Logging.
func (l QuietDialLogger) Printf(_ context.Context, format string, v ...any) {
	if strings.Contains(format, "failed to dial") {
		return
	}
	msg := fmt.Sprintf(format, v...)
	fmt.Fprintf(l.W, "%s redis: %s\n", time.Now().Format("2006/01/02 15:04:05"), strings.TrimPrefix(msg, "redis: "))
}
