package slackemu

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// idGen hands out Slack-looking identifiers (V0000001A, F0000002B, ...).
type idGen struct{ n atomic.Uint64 }

func (g *idGen) next(prefix string) string {
	return prefix + fmt.Sprintf("%08X", g.n.Add(1))
}

// tsClock hands out message timestamps in Slack's "seconds.micros" form.
// They follow the wall clock but are strictly increasing and unique, even
// when many are taken in the same microsecond.
type tsClock struct{ last atomic.Int64 }

func (c *tsClock) next() string {
	for {
		now := time.Now().UnixMicro()
		last := c.last.Load()
		if now <= last {
			now = last + 1
		}
		if c.last.CompareAndSwap(last, now) {
			return formatTS(now)
		}
	}
}

func formatTS(micros int64) string {
	sec := strconv.FormatInt(micros/1e6, 10)
	frac := strconv.FormatInt(micros%1e6, 10)
	const zeros = "000000"
	return sec + "." + zeros[len(frac):] + frac
}

// parseTS turns "1700000000.000100" into microseconds; ok is false for
// anything that is not a Slack timestamp.
func parseTS(ts string) (int64, bool) {
	if len(ts) < 8 || ts[len(ts)-7] != '.' {
		return 0, false
	}
	sec, err := strconv.ParseInt(ts[:len(ts)-7], 10, 64)
	if err != nil {
		return 0, false
	}
	us, err := strconv.ParseInt(ts[len(ts)-6:], 10, 64)
	if err != nil {
		return 0, false
	}
	return sec*1e6 + us, true
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// newUUID returns a random version 4 UUID, the form of Slack's envelope ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
