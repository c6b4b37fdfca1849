package loop

import "github.com/redis/go-redis/v9"

// Every script touches only {loop} keys, so they share one Cluster slot.
// KEYS[1] is the due set, KEYS[2] the steps hash, KEYS[3] a step's lock.

// scheduleScript: ARGV member, due ms, record.
var scheduleScript = redis.NewScript(`
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1`)

// cancelScript: ARGV member.
var cancelScript = redis.NewScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`)

// claimScript takes the lock of one due step when the step is still due at
// the time it was read; it returns the step's record, or nil.
// ARGV member, due ms, lock ttl ms.
var claimScript = redis.NewScript(`
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s or tonumber(s) ~= tonumber(ARGV[2]) then return false end
if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[3]) then return false end
return redis.call('HGET', KEYS[2], ARGV[1]) or ''`)

// doneScript removes a step that ran, unless its handler rescheduled it.
// ARGV member, due ms.
var doneScript = redis.NewScript(`
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
end
redis.call('DEL', KEYS[3])
return 1`)

// retryScript moves a failed step to its retry time, unless it was
// rescheduled meanwhile. ARGV member, due ms, retry ms, record.
var retryScript = redis.NewScript(`
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
end
redis.call('DEL', KEYS[3])
return 1`)
