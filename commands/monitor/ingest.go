package monitor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/integrations/alertmanager"
)

// DefaultMaxAlertsPerGroup is how many alerts a group keeps (firing and
// resolved) before the oldest resolved ones are dropped and only counted.
const DefaultMaxAlertsPerGroup = 1000

// firingBase splits the scores of a group's alert index: a resolved
// alert scores its end (Unix ms), a firing one firingBase plus its start,
// so one sorted set orders resolved alerts oldest first and counts both
// kinds with ZCOUNT. Unix ms stay below it until the year 2286.
const firingBase = 10_000_000_000_000

// Alertmanager sends a resolved alert in the first notification after it
// resolves only, and every firing alert of the group in each one. So a
// group keeps what it has seen, by fingerprint: the notification's own
// fields replace the stored ones, its alerts are merged into the group's
// alert hash (fingerprint → alert JSON) and its index (a sorted set, see
// firingBase), and a firing alert that a complete notification
// (truncatedAlerts 0) no longer lists is counted resolved from then on
// (Alertmanager stopped reporting it: resolved unseen, or muted).
//
// A group that fired again after its resolve was shown starts over: its
// alerts, message ts, acknowledgement, silence, incident and digest marks
// are dropped (so the worker posts a new message with every button), the
// incident it had is kept as prev_incident, and its episode is counted
// up, which names a fresh incident lock.
//
// Past ARGV[4] alerts, the oldest resolved are dropped and counted in
// 'dropped'; firing alerts are never dropped (the notification, bounded by
// the webhook's body limit, bounds them). The group's counts ('firing',
// 'resolved' with the dropped included) and its first start and last end
// (Unix ms) are written with the merge, so a header or the digest never
// disagrees with the alerts kept.
//
// KEYS: dirty set, silence-end set, then per channel: group hash, alert
// hash, alert index.
// ARGV: body (the notification without alerts), status, ttl (ms), most
// alerts kept, complete ('1' when no alert was left out), now (Unix ms),
// firingBase, channel count n; then channel and group id per channel;
// then per alert: fingerprint, index score, start ms, end ms, JSON.
// It returns the ids of the groups that started over.
var ingestScript = redis.NewScript(`
local base = ARGV[7]
local n = tonumber(ARGV[8])
local first = 9 + 2 * n
local fresh = {}
for c = 1, n do
  local k, ak, ik = KEYS[3 * c], KEYS[3 * c + 1], KEYS[3 * c + 2]
  local ch, id = ARGV[7 + 2 * c], ARGV[8 + 2 * c]
  if ARGV[2] == 'firing' then
    local old = redis.call('HGET', k, 'status')
    if not old then
      local body = redis.call('HGET', k, 'msg')
      if body then old = cjson.decode(body).status end
    end
    if old == 'resolved' and redis.call('SISMEMBER', KEYS[1], id) == 0 then
      local inc = redis.call('HGET', k, 'incident')
      if inc then redis.call('HSET', k, 'prev_incident', inc) end
      redis.call('HDEL', k, 'ts', 'ack', 'silence', 'incident', 'digest', 'dropped', 'first_start', 'last_end')
      redis.call('DEL', ak, ik)
      redis.call('HINCRBY', k, 'episode', 1)
      redis.call('ZREM', KEYS[2], id)
      fresh[#fresh + 1] = id
    end
  end
  local fs = tonumber(redis.call('HGET', k, 'first_start') or '')
  local le = tonumber(redis.call('HGET', k, 'last_end') or '0')
  if ARGV[5] == '1' then
    local listed = {}
    for i = first, #ARGV, 5 do listed[ARGV[i]] = true end
    for _, fp in ipairs(redis.call('ZRANGEBYSCORE', ik, base, '+inf')) do
      if not listed[fp] then
        redis.call('ZADD', ik, ARGV[6], fp)
        le = math.max(le, tonumber(ARGV[6]))
      end
    end
  end
  for i = first, #ARGV, 5 do
    redis.call('HSET', ak, ARGV[i], ARGV[i + 4])
    redis.call('ZADD', ik, ARGV[i + 1], ARGV[i])
    local s, e = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
    if s > 0 and (not fs or s < fs) then fs = s end
    if e > le then le = e end
  end
  local over = redis.call('ZCARD', ik) - tonumber(ARGV[4])
  if over > 0 then
    local old = redis.call('ZRANGEBYSCORE', ik, '-inf', '(' .. base, 'LIMIT', 0, over)
    for _, fp in ipairs(old) do
      redis.call('ZREM', ik, fp)
      redis.call('HDEL', ak, fp)
    end
    if #old > 0 then redis.call('HINCRBY', k, 'dropped', #old) end
  end
  local dropped = tonumber(redis.call('HGET', k, 'dropped') or '0')
  local firing = redis.call('ZCOUNT', ik, base, '+inf')
  local resolved = redis.call('ZCOUNT', ik, '-inf', '(' .. base) + dropped
  redis.call('HSET', k, 'channel', ch, 'msg', ARGV[1], 'status', ARGV[2],
    'firing', firing, 'resolved', resolved, 'last_end', string.format('%d', le))
  if fs then redis.call('HSET', k, 'first_start', string.format('%d', fs)) end
  redis.call('HINCRBY', k, 'ver', 1)
  redis.call('PEXPIRE', k, ARGV[3])
  redis.call('PEXPIRE', ak, ARGV[3])
  redis.call('PEXPIRE', ik, ARGV[3])
  redis.call('SADD', KEYS[1], id)
end
return fresh`)

func (s *store) alertsKey(id string) string { return s.key("{monitor}", "galerts", id) }
func (s *store) indexKey(id string) string  { return s.key("{monitor}", "gindex", id) }

// ingest merges msg into its group in each channel and marks the groups
// dirty, in one round trip. A resolved group whose resolve was delivered
// and that fires again starts over with a new message (see ingestScript);
// one whose resolve was not shown yet goes on in its message.
func (s *store) ingest(ctx context.Context, msg *alertmanager.Message, channels []string) error {
	head := *msg
	head.Alerts = nil
	body, err := json.Marshal(head)
	if err != nil {
		return fmt.Errorf("encode alert group: %w", err)
	}
	complete := "0"
	if msg.TruncatedAlerts == 0 {
		complete = "1"
	}
	most := s.maxAlerts
	if most <= 0 {
		most = DefaultMaxAlertsPerGroup
	}
	keys := make([]string, 0, 3*len(channels)+2)
	keys = append(keys, s.dirtyKey(), s.silencesKey())
	argv := make([]any, 0, 8+2*len(channels)+5*len(msg.Alerts))
	argv = append(argv, body, msg.Status, groupTTL.Milliseconds(), most, complete, s.nowMs(), firingBase, len(channels))
	for _, ch := range channels {
		id := groupID(ch, msg.GroupKey)
		keys = append(keys, s.groupKey(id), s.alertsKey(id), s.indexKey(id))
		argv = append(argv, ch, id)
	}
	for _, a := range msg.Alerts {
		b, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("encode alert: %w", err)
		}
		start, end := unixMs(a.StartsAt), unixMs(a.EndsAt)
		score := end
		if a.Firing() {
			score = firingBase + start
		}
		argv = append(argv, fingerprint(a), score, start, end, b)
	}
	if err := ingestScript.Run(ctx, s.rdb, keys, argv...).Err(); err != nil {
		return fmt.Errorf("store alert group: %w", err)
	}
	return nil
}

// nowMs is the store's clock in Unix ms, for alerts found resolved.
func (s *store) nowMs() int64 {
	if s.now == nil {
		return unixMs(time.Now())
	}
	return unixMs(s.now())
}

// unixMs is t in Unix ms, held within the index's range (the zero time,
// which Alertmanager writes for "no end", is 0).
func unixMs(t time.Time) int64 {
	return min(max(t.UnixMilli(), 0), firingBase-1)
}

// fingerprint names an alert within its group: Alertmanager's
// fingerprint, or for hand-made notifications a hash of its labels.
func fingerprint(a alertmanager.Alert) string {
	if a.Fingerprint != "" {
		return a.Fingerprint
	}
	keys := make([]string, 0, len(a.Labels))
	for k := range a.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%s\x00", k, a.Labels[k])
	}
	return "l" + hex.EncodeToString(h.Sum(nil)[:8])
}
