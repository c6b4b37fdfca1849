package change

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/integrations/redisstore"
)

// store keeps changes in Redis. Every key carries the {changes} hash tag,
// so the Lua scripts touch one cluster slot.
type store struct {
	rdb redis.UniversalClient
	key func(parts ...string) string
}

func newStore(s *redisstore.Store) *store {
	return &store{rdb: s.Client(), key: func(parts ...string) string { return s.Key(append([]string{"{changes}"}, parts...)...) }}
}

var errNoChange = errors.New("no such change")

func (s *store) changeKey(id string) string    { return s.key(id) }
func (s *store) approvalsKey(id string) string { return s.key(id, "approvals") }
func (s *store) pendingKey() string            { return s.key("pending") }
func (s *store) recentKey() string             { return s.key("recent") }
func (s *store) runningKey() string            { return s.key("running") }
func (s *store) approvedKey() string           { return s.key("approved") }
func (s *store) mineKey(user string) string    { return s.key("by", user) }

// create assigns the next CHG id and saves c as requested.
func (s *store) create(ctx context.Context, c *Change) error {
	n, err := s.rdb.Incr(ctx, s.key("seq")).Result()
	if err != nil {
		return fmt.Errorf("next change id: %w", err)
	}
	c.ID = "CHG-" + strconv.FormatInt(n, 10)
	c.State = StateRequested
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode change: %w", err)
	}
	score := float64(c.Created.UnixMilli())
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.changeKey(c.ID), "doc", doc, "state", StateRequested, "expires", c.Expires.Unix(), "channel", c.Channel)
		p.SAdd(ctx, s.pendingKey(), c.ID)
		p.ZAdd(ctx, s.recentKey(), redis.Z{Score: score, Member: c.ID})
		p.ZAdd(ctx, s.mineKey(c.Requester), redis.Z{Score: score, Member: c.ID})
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %s: %w", c.ID, err)
	}
	return nil
}

// unfileScript removes a change that is still requested, with its
// approvals and its place in every index; it returns 1 when it did, 0
// when the change has moved on (or is gone).
var unfileScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'requested' then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
return 1
`)

// unfile takes back the filing of c, which was never shown; ok is false
// when someone acted on it meanwhile, so it stays.
func (s *store) unfile(ctx context.Context, c *Change) (bool, error) {
	n, err := unfileScript.Run(ctx, s.rdb, []string{s.changeKey(c.ID), s.approvalsKey(c.ID), s.pendingKey(), s.recentKey(), s.mineKey(c.Requester)}, c.ID).Int()
	if err != nil {
		return false, fmt.Errorf("take back %s: %w", c.ID, err)
	}
	return n == 1, nil
}

// setFields writes mutable fields (message ts, progress) without a state check.
func (s *store) setFields(ctx context.Context, id string, kv ...any) error {
	if err := s.rdb.HSet(ctx, s.changeKey(id), kv...).Err(); err != nil {
		return fmt.Errorf("update %s: %w", id, err)
	}
	return nil
}

// exists tells whether change id was saved.
func (s *store) exists(ctx context.Context, id string) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.changeKey(id)).Result()
	if err != nil {
		return false, fmt.Errorf("look up %s: %w", id, err)
	}
	return n == 1, nil
}

// get loads a change with its approvals.
func (s *store) get(ctx context.Context, id string) (*Change, error) {
	var h, ap *redis.MapStringStringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		h = p.HGetAll(ctx, s.changeKey(id))
		ap = p.HGetAll(ctx, s.approvalsKey(id))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", id, err)
	}
	f := h.Val()
	if f["doc"] == "" {
		return nil, errNoChange
	}
	c := &Change{}
	if err := json.Unmarshal([]byte(f["doc"]), c); err != nil {
		return nil, fmt.Errorf("decode %s: %w", id, err)
	}
	c.State, c.Channel, c.TS = f["state"], f["channel"], f["ts"]
	c.DecidedBy, c.RejectReason, c.Result, c.Progress = f["decided_by"], f["reject_reason"], f["result"], f["progress"]
	if sec, err := strconv.ParseInt(f["started"], 10, 64); err == nil {
		c.Started = time.Unix(sec, 0)
	}
	if sec, err := strconv.ParseInt(f["approved"], 10, 64); err == nil {
		c.Approved = time.Unix(sec, 0)
	}
	c.Hold, c.StartError = f["hold"], f["start_error"]
	if sec, err := strconv.ParseInt(f["hold_until"], 10, 64); err == nil && c.Hold != "" {
		c.HoldUntil = time.Unix(sec, 0)
	}
	for _, v := range ap.Val() {
		var a Approval
		if json.Unmarshal([]byte(v), &a) == nil {
			c.Approvals = append(c.Approvals, a)
		}
	}
	sort.Slice(c.Approvals, func(i, j int) bool { return c.Approvals[i].At.Before(c.Approvals[j].At) })
	return c, nil
}

// approveScript records one approval while the change is requested and
// unexpired; the approval that completes the count moves it to approved.
// Only that one caller sees "approved", however many approve at once.
// It records when (field "approved") and indexes the change in the
// approved set by when its run is due (ARGV[6]), for the stalled sweep.
var approveScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return {'missing', 0} end
if st ~= 'requested' then return {'state:' .. st, 0} end
local exp = tonumber(redis.call('HGET', KEYS[1], 'expires'))
if exp and tonumber(ARGV[4]) >= exp then
  redis.call('HSET', KEYS[1], 'state', 'expired')
  redis.call('SREM', KEYS[3], ARGV[5])
  return {'expired', 0}
end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return {'duplicate', 0} end
local n = redis.call('HLEN', KEYS[2])
if n >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'state', 'approved', 'decided_by', ARGV[1], 'approved', ARGV[4])
  redis.call('SREM', KEYS[3], ARGV[5])
  redis.call('ZADD', KEYS[4], ARGV[6], ARGV[5])
  return {'approved', n}
end
return {'pending', n}
`)

// approve runs approveScript; it returns the outcome and approval count.
// due is when a final approval's run should start: now, or the window's start.
func (s *store) approve(ctx context.Context, id string, a Approval, needed int, now, due time.Time) (string, int, error) {
	doc, _ := json.Marshal(a)
	res, err := approveScript.Run(ctx, s.rdb, []string{s.changeKey(id), s.approvalsKey(id), s.pendingKey(), s.approvedKey()},
		a.User, doc, needed, now.Unix(), id, due.Unix()).Slice()
	if err != nil {
		return "", 0, fmt.Errorf("approve %s: %w", id, err)
	}
	out, _ := res[0].(string)
	n, _ := res[1].(int64)
	return out, int(n), nil
}

// transitionScript moves a change from one state to another and sets
// extra fields, atomically; it returns "ok" or the current state. It keeps
// the pending set (requested changes), the running set and the approved
// index in step.
var transitionScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return 'missing' end
if st ~= ARGV[1] then return st end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i+1]) end
if ARGV[2] ~= 'requested' then redis.call('SREM', KEYS[2], ARGV[3]) end
if ARGV[2] == 'running' then redis.call('SADD', KEYS[3], ARGV[3]) end
if ARGV[1] == 'running' then redis.call('SREM', KEYS[3], ARGV[3]) end
if ARGV[1] == 'approved' then redis.call('ZREM', KEYS[4], ARGV[3]) end
return 'ok'
`)

// transition moves id from → to; ok is false (with the current state)
// when the change was not in from.
func (s *store) transition(ctx context.Context, id, from, to string, kv ...string) (bool, string, error) {
	argv := []any{from, to, id}
	for _, v := range kv {
		argv = append(argv, v)
	}
	res, err := transitionScript.Run(ctx, s.rdb, []string{s.changeKey(id), s.pendingKey(), s.runningKey(), s.approvedKey()}, argv...).Text()
	if err != nil {
		return false, "", fmt.Errorf("move %s from %s to %s: %w", id, from, to, err)
	}
	if res == "ok" {
		return true, to, nil
	}
	return false, res, nil
}

// pending lists the ids waiting for approval.
func (s *store) pending(ctx context.Context) ([]string, error) { return s.members(ctx, s.pendingKey()) }

// pendingCount is how many changes wait for approval.
func (s *store) pendingCount(ctx context.Context) (int64, error) {
	n, err := s.rdb.SCard(ctx, s.pendingKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("count pending changes: %w", err)
	}
	return n, nil
}

// running lists the ids of changes running now (or left running by a stop).
func (s *store) running(ctx context.Context) ([]string, error) { return s.members(ctx, s.runningKey()) }

func (s *store) members(ctx context.Context, key string) ([]string, error) {
	ids, err := s.rdb.SMembers(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	sort.Slice(ids, func(i, j int) bool { return idNum(ids[i]) < idNum(ids[j]) })
	return ids, nil
}

// dueBy lists the approved changes whose run was due at or before t,
// earliest first.
func (s *store) dueBy(ctx context.Context, t time.Time) ([]string, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.approvedKey(), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(t.Unix(), 10)}).Result()
	if err != nil {
		return nil, fmt.Errorf("list approved changes: %w", err)
	}
	return ids, nil
}

// unindex drops id from the approved index; for an entry whose change is
// gone or no longer approved.
func (s *store) unindex(ctx context.Context, id string) error {
	if err := s.rdb.ZRem(ctx, s.approvedKey(), id).Err(); err != nil {
		return fmt.Errorf("unindex %s: %w", id, err)
	}
	return nil
}

// reindex moves approved id's due time in the approved index to due (a
// run held back by a freeze); it does nothing once id left the index.
func (s *store) reindex(ctx context.Context, id string, due time.Time) error {
	if err := s.rdb.ZAddXX(ctx, s.approvedKey(), redis.Z{Score: float64(due.Unix()), Member: id}).Err(); err != nil {
		return fmt.Errorf("reindex %s: %w", id, err)
	}
	return nil
}

// latest lists up to n ids of the sorted set key, newest first.
func (s *store) latest(ctx context.Context, key string, n int64) ([]string, error) {
	ids, err := s.rdb.ZRevRange(ctx, key, 0, n-1).Result()
	if err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	return ids, nil
}

func idNum(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "CHG-"))
	return n
}
