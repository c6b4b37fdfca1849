package inventory

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// ErrNotFound is an asset that does not exist.
var ErrNotFound = errors.New("no such asset")

// errGone is a generation dropped while a read was on it; the read
// starts over on the current one.
var errGone = errors.New("inventory generation replaced during the read")

// readAttempts bounds how often a read starts over.
const readAttempts = 3

// onCurrent runs read on the current generation, starting over when the
// generation went away during it.
func (x *Index) onCurrent(ctx context.Context, read func(gen int64) error) error {
	for range readAttempts {
		gen, err := x.current(ctx)
		if err != nil {
			return err
		}
		if gen == 0 {
			return ErrNotLoaded
		}
		err = read(gen)
		if !errors.Is(err, errGone) {
			return err
		}
	}
	return fmt.Errorf("read the inventory: %w", errGone)
}

// tx runs f in one MULTI/EXEC that also checks generation gen still
// exists: errGone when not.
func (x *Index) tx(ctx context.Context, gen int64, f func(pl redis.Pipeliner)) error {
	var alive *redis.IntCmd
	_, err := x.rdb.TxPipelined(ctx, func(pl redis.Pipeliner) error {
		f(pl)
		alive = pl.Exists(ctx, x.gkey(gen, "meta"))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("read the inventory: %w", err)
	}
	if alive.Val() == 0 {
		return errGone
	}
	return nil
}

// Get returns the asset called name: two round trips.
func (x *Index) Get(ctx context.Context, name string) (Asset, error) {
	as, err := x.GetMany(ctx, []string{name})
	if err != nil {
		return Asset{}, err
	}
	if len(as) == 0 {
		return Asset{}, ErrNotFound
	}
	return as[0], nil
}

// GetMany returns the assets of names that exist, in the order given:
// two round trips however many.
func (x *Index) GetMany(ctx context.Context, names []string) ([]Asset, error) {
	var out []Asset
	err := x.onCurrent(ctx, func(gen int64) error {
		out = out[:0]
		cmds := make([]*redis.MapStringStringCmd, len(names))
		if err := x.tx(ctx, gen, func(pl redis.Pipeliner) {
			for i, n := range names {
				cmds[i] = pl.HGetAll(ctx, x.gkey(gen, "a", n))
			}
		}); err != nil {
			return err
		}
		for _, c := range cmds {
			if a, ok := fromHash(c.Val()); ok {
				out = append(out, a)
			}
		}
		return nil
	})
	return out, err
}
