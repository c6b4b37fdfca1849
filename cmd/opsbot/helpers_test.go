package main

import (
	"testing"

	"github.com/alicebob/miniredis/v2"

	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
)

// newTestStore returns a store on a real redis-server.
func newTestStore(t testing.TB) *redisstore.Store {
	t.Helper()
	srv := redistest.Start(t)
	s, err := redisstore.Open(redisstore.Config{Addrs: []string{srv.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var _ = miniredis.NewMiniRedis
