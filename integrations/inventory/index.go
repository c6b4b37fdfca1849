package inventory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Index is the inventory in Redis, so every replica answers the same: one
// hash per asset, and per selector key and value a set of asset names
// (env=prod, role=web, group=web, l.dc=fra, …), the set of each key's
// values, the set of every name, and sorted sets of warranty and
// end-of-life dates. Every key carries the {inv} hash tag (one cluster
// slot, so transactions work).
//
// A publication is written whole under a new generation's keys and then
// made current with one SET: readers see the old inventory or the new
// one, never a mix. The previous generation stays until the next
// publication, so a reader that began on it finishes on it; each read
// checks in the same transaction that its generation still exists and
// starts over if not.
type Index struct {
	rdb  redis.UniversalClient
	base string
}

// NewIndex returns the index under prefix ("opsbot" gives opsbot:{inv}:…).
func NewIndex(rdb redis.UniversalClient, prefix string) *Index {
	return &Index{rdb: rdb, base: prefix + ":{inv}"}
}

func (x *Index) key(parts ...string) string {
	k := x.base
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

func (x *Index) gkey(gen int64, parts ...string) string {
	return x.key(append([]string{"g" + strconv.FormatInt(gen, 10)}, parts...)...)
}

// ErrNotLoaded means no inventory has been published yet.
var ErrNotLoaded = errors.New("the inventory has not been loaded yet")

// Publication is what Publish writes.
type Publication struct {
	Assets []Asset // sorted by name
	Digest string
}

// lockTTL bounds a publication; publishBatch is how many commands go to
// Redis in one round trip.
const (
	lockTTL      = 2 * time.Minute
	publishBatch = 2000
)

// Publish writes p as the current inventory, unless the current one has
// the same digest (changed is false then). One publication runs at a time
// across replicas (a lock in Redis); others wait for it, up to ctx.
func (x *Index) Publish(ctx context.Context, p Publication) (gen int64, changed bool, err error) {
	release, err := x.lock(ctx)
	if err != nil {
		return 0, false, err
	}
	defer release()
	cur, err := x.current(ctx)
	if err != nil {
		return 0, false, err
	}
	if cur > 0 {
		d, err := x.rdb.HGet(ctx, x.gkey(cur, "meta"), "digest").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return 0, false, fmt.Errorf("read the inventory's digest: %w", err)
		}
		if d == p.Digest && d != "" {
			return cur, false, nil
		}
	}
	gen, err = x.rdb.Incr(ctx, x.key("seq")).Result()
	if err != nil {
		return 0, false, fmt.Errorf("next inventory generation: %w", err)
	}
	if err := x.write(ctx, gen, p); err != nil {
		x.drop(context.WithoutCancel(ctx), gen) // a half-written generation never became current
		return 0, false, err
	}
	if _, err := x.rdb.TxPipelined(ctx, func(pl redis.Pipeliner) error {
		pl.Set(ctx, x.key("cur"), gen, 0)
		pl.SAdd(ctx, x.key("live"), gen)
		return nil
	}); err != nil {
		x.drop(context.WithoutCancel(ctx), gen)
		return 0, false, fmt.Errorf("make inventory generation %d current: %w", gen, err)
	}
	live, err := x.rdb.SMembers(ctx, x.key("live")).Result()
	if err != nil {
		return gen, true, nil // the old generations go at the next publication
	}
	for _, s := range live {
		g, _ := strconv.ParseInt(s, 10, 64)
		if g != gen && g != cur {
			x.drop(ctx, g)
		}
	}
	return gen, true, nil
}

// write puts p under generation gen.
func (x *Index) write(ctx context.Context, gen int64, p Publication) error {
	sets := map[string][]any{}   // index key -> names
	values := map[string][]any{} // value-set key -> values
	seenVal := map[string]bool{}
	var zw, ze []redis.Z
	b := newBatcher(ctx, x.rdb)
	names := make([]any, 0, len(p.Assets))
	for i := range p.Assets {
		a := &p.Assets[i]
		b.add(func(pl redis.Pipeliner) { pl.HSet(ctx, x.gkey(gen, "a", a.Name), toHash(a)...) })
		names = append(names, a.Name)
		for _, kv := range indexed(a) {
			ik := x.gkey(gen, "i", kv[0], kv[1])
			sets[ik] = append(sets[ik], a.Name)
			if vk := kv[0] + "\x00" + kv[1]; !seenVal[vk] {
				seenVal[vk] = true
				values[x.gkey(gen, "v", kv[0])] = append(values[x.gkey(gen, "v", kv[0])], kv[1])
			}
		}
		if !a.WarrantyEnd.IsZero() {
			zw = append(zw, redis.Z{Score: float64(a.WarrantyEnd.Unix()), Member: a.Name})
		}
		if !a.EndOfLife.IsZero() {
			ze = append(ze, redis.Z{Score: float64(a.EndOfLife.Unix()), Member: a.Name})
		}
		if err := b.flushIfFull(); err != nil {
			return fmt.Errorf("write inventory generation %d: %w", gen, err)
		}
	}
	var keys []any
	addSet := func(k string, members []any) {
		keys = append(keys, k)
		for len(members) > 0 {
			n := min(len(members), 1000)
			part := members[:n]
			members = members[n:]
			b.add(func(pl redis.Pipeliner) { pl.SAdd(ctx, k, part...) })
		}
	}
	addSet(x.gkey(gen, "all"), names)
	for k, m := range sets {
		addSet(k, m)
	}
	for k, m := range values {
		addSet(k, m)
	}
	addZ := func(k string, zs []redis.Z) {
		if len(zs) == 0 {
			return
		}
		keys = append(keys, k)
		for len(zs) > 0 {
			n := min(len(zs), 1000)
			part := zs[:n]
			zs = zs[n:]
			b.add(func(pl redis.Pipeliner) { pl.ZAdd(ctx, k, part...) })
		}
	}
	addZ(x.gkey(gen, "z", "warranty_end"), zw)
	addZ(x.gkey(gen, "z", "end_of_life"), ze)
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		part := keys[:n]
		keys = keys[n:]
		b.add(func(pl redis.Pipeliner) { pl.SAdd(ctx, x.gkey(gen, "keys"), part...) })
	}
	// meta last: its presence says the generation is whole.
	b.add(func(pl redis.Pipeliner) {
		pl.HSet(ctx, x.gkey(gen, "meta"), "digest", p.Digest, "count", len(p.Assets), "published", time.Now().Unix())
	})
	if err := b.flush(); err != nil {
		return fmt.Errorf("write inventory generation %d: %w", gen, err)
	}
	return nil
}

// drop deletes generation gen: its meta first, so a reader on it notices
// and starts over, then everything else.
func (x *Index) drop(ctx context.Context, gen int64) {
	_ = x.rdb.Del(ctx, x.gkey(gen, "meta")).Err()
	for _, set := range []struct{ key, prefix string }{{"all", "a"}, {"keys", ""}} {
		var cursor uint64
		for {
			members, next, err := x.rdb.SScan(ctx, x.gkey(gen, set.key), cursor, "", 1000).Result()
			if err != nil {
				return
			}
			if len(members) > 0 {
				ks := make([]string, len(members))
				for i, m := range members {
					if set.prefix != "" {
						ks[i] = x.gkey(gen, set.prefix, m)
					} else {
						ks[i] = m
					}
				}
				_ = x.rdb.Unlink(ctx, ks...).Err()
			}
			if next == 0 {
				break
			}
			cursor = next
		}
	}
	_ = x.rdb.Unlink(ctx, x.gkey(gen, "all"), x.gkey(gen, "keys")).Err()
	_ = x.rdb.SRem(ctx, x.key("live"), gen).Err()
}

// current is the current generation, 0 when none was published.
func (x *Index) current(ctx context.Context) (int64, error) {
	s, err := x.rdb.Get(ctx, x.key("cur")).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the current inventory generation: %w", err)
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n, nil
}

// Generation is the current generation and how many assets it holds.
func (x *Index) Generation(ctx context.Context) (gen int64, count int, published time.Time, err error) {
	gen, err = x.current(ctx)
	if err != nil || gen == 0 {
		return gen, 0, time.Time{}, err
	}
	m, err := x.rdb.HGetAll(ctx, x.gkey(gen, "meta")).Result()
	if err != nil {
		return gen, 0, time.Time{}, fmt.Errorf("read the inventory's meta: %w", err)
	}
	count, _ = strconv.Atoi(m["count"])
	sec, _ := strconv.ParseInt(m["published"], 10, 64)
	return gen, count, time.Unix(sec, 0), nil
}

// lock takes the publication lock, waiting for another holder up to ctx;
// release gives it back only if it is still ours.
func (x *Index) lock(ctx context.Context) (release func(), err error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	k := x.key("lock")
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		ok, err := x.rdb.SetNX(ctx, k, token, lockTTL).Result()
		if err != nil {
			return nil, fmt.Errorf("take the inventory lock: %w", err)
		}
		if ok {
			return func() { _ = unlockScript.Run(context.WithoutCancel(ctx), x.rdb, []string{k}, token).Err() }, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for another replica's inventory publication: %w", ctx.Err())
		case <-time.After(wait):
		}
	}
}

var unlockScript = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`)

// batcher sends queued commands in pipelines of publishBatch.
type batcher struct {
	ctx  context.Context
	rdb  redis.UniversalClient
	cmds []func(redis.Pipeliner)
}

func newBatcher(ctx context.Context, rdb redis.UniversalClient) *batcher {
	return &batcher{ctx: ctx, rdb: rdb}
}

func (b *batcher) add(f func(redis.Pipeliner)) { b.cmds = append(b.cmds, f) }

func (b *batcher) flushIfFull() error {
	if len(b.cmds) < publishBatch {
		return nil
	}
	return b.flush()
}

func (b *batcher) flush() error {
	for len(b.cmds) > 0 {
		n := min(len(b.cmds), publishBatch)
		part := b.cmds[:n]
		b.cmds = b.cmds[n:]
		if _, err := b.rdb.Pipelined(b.ctx, func(pl redis.Pipeliner) error {
			for _, f := range part {
				f(pl)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
