package asset

import (
	"context"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"opsbot/integrations/inventory"
	"opsbot/integrations/testenv"
)

// countingSource counts its loads.
type countingSource struct{ loads atomic.Int32 }

func (c *countingSource) Name() string { return "counted" }
func (c *countingSource) Kind() string { return "test" }
func (c *countingSource) Load(context.Context) ([]inventory.Asset, error) {
	c.loads.Add(1)
	return []inventory.Asset{{Name: "a-1"}}, nil
}

// TestSIGHUPReloads: Start loads the inventory once; while Run runs, a
// SIGHUP reloads every source, and Run ends with its context.
func TestSIGHUPReloads(t *testing.T) {
	src := &countingSource{}
	hup := make(chan os.Signal, 1)
	e := newEnv(t, nil, func(d *Deps, _ *Config) {
		index := inventory.NewIndex(d.Store.Client(), "opsbot")
		inv, err := inventory.New(inventory.Config{}, inventory.Options{Index: index, Extra: []inventory.Source{src}})
		if err != nil {
			t.Fatal(err)
		}
		d.Inventory, d.Reload = inv, hup
	})
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.svc.Start(ctx); err != nil || src.loads.Load() != 1 {
		t.Fatalf("Start: %v, %d loads", err, src.loads.Load())
	}
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(ctx) }()
	hup <- syscall.SIGHUP
	testenv.Eventually(t, 5*time.Second, func() bool { return src.loads.Load() == 2 }, "a reload on SIGHUP")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
