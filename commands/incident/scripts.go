package incident

import "github.com/redis/go-redis/v9"

// Every script touches only {inc} keys, which share one Cluster slot.
// Timeline entries are written by the same script as the change they
// describe, so the two never disagree.

// openScript writes a new incident and its index entries.
// KEYS: 1 hash, 2 timeline, 3 all, 4 open, 5 sev set, 6 reporter's set,
// 7 open counts. ARGV: 1 num, 2 now ms, 3 reporter, 4 sev, 5 timeline
// text, 6 timeline max, 7 number of field/value pairs, then the pairs,
// then link texts.
var openScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local n = tonumber(ARGV[7])
local fields = {}
for i = 8, 7 + 2 * n do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
for _, k in ipairs({KEYS[3], KEYS[4], KEYS[5], KEYS[6]}) do redis.call('ZADD', k, ARGV[1], ARGV[1]) end
redis.call('HINCRBY', KEYS[7], ARGV[4], 1)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'at', ARGV[2], 'who', ARGV[3], 'what', 'open', 'text', ARGV[5])
for i = 8 + 2 * n, #ARGV do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'at', ARGV[2], 'who', ARGV[3], 'what', 'link', 'text', ARGV[i])
end
return 1`)

// applyScript makes one change to an incident, or refuses it and says
// why, and returns the outcome followed by the incident's fields.
// Outcomes: ok, same (nothing to transitionArgs), missing, resolved (it is
// resolved), acked (already acknowledged), notresolved (reopen of an
// unresolved incident).
// The ops page (a later escalation level reached people) and unreached
// (a page's DM failed) are recorded in every state.
//
// KEYS: 1 hash, 2 timeline, 3 open, 4 resolved, 5 open counts, 6..9 the
// sev1..sev4 sets, 10.. the sets of users the change involves.
// ARGV: 1 op, 2 now ms, 3 actor, 4 arg, 5 arg2, 6 timeline max, 7 num,
// 8 arg3 (why an unreached page failed).
var applyScript = redis.NewScript(`
local h = KEYS[1]
local function reply(res)
  local out = redis.call('HGETALL', h)
  table.insert(out, 1, res)
  return out
end
local st = redis.call('HGET', h, 'state')
if not st then return {'missing'} end
local op, now, actor, a1, a2 = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local sev = redis.call('HGET', h, 'sev')
local text = a1
-- Check everything before the first write: Redis keeps a failed script's
-- earlier writes.
if op == 'sev' and not (a1 == '1' or a1 == '2' or a1 == '3' or a1 == '4') then
  return redis.error_reply('bad severity ' .. a1)
end
if op == 'role' and not (a1 == 'commander' or a1 == 'comms' or a1 == 'ops') then
  return redis.error_reply('bad role ' .. a1)
end
if op == 'ack' then
  if st == 'resolved' then return reply('resolved') end
  if st == 'acked' then return reply('acked') end
  redis.call('HSET', h, 'state', 'acked', 'acked_by', actor, 'acked_at', now)
  text = ''
elseif op == 'resolve' then
  if st == 'resolved' then return reply('resolved') end
  redis.call('HSET', h, 'state', 'resolved', 'resolved_by', actor, 'resolved_at', now)
  if a1 ~= '' then redis.call('HSET', h, 'summary', a1) end
  redis.call('ZREM', KEYS[3], ARGV[7])
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[7])
  redis.call('HINCRBY', KEYS[5], sev, -1)
elseif op == 'reopen' then
  if st ~= 'resolved' then return reply('notresolved') end
  redis.call('HSET', h, 'state', 'open', 'opened', now)
  redis.call('HDEL', h, 'acked_by', 'acked_at', 'resolved_by', 'resolved_at')
  redis.call('ZREM', KEYS[4], ARGV[7])
  redis.call('ZADD', KEYS[3], ARGV[7], ARGV[7])
  redis.call('HINCRBY', KEYS[5], sev, 1)
elseif op == 'sev' then
  if st == 'resolved' then return reply('resolved') end
  if sev == a1 then return reply('same') end
  redis.call('HSET', h, 'sev', a1)
  redis.call('ZREM', KEYS[5 + tonumber(sev)], ARGV[7])
  redis.call('ZADD', KEYS[5 + tonumber(a1)], ARGV[7], ARGV[7])
  redis.call('HINCRBY', KEYS[5], sev, -1)
  redis.call('HINCRBY', KEYS[5], a1, 1)
  text = 'SEV' .. sev .. ' → SEV' .. a1
elseif op == 'role' then
  if st == 'resolved' then return reply('resolved') end
  if redis.call('HGET', h, a1) == a2 then return reply('same') end
  redis.call('HSET', h, a1, a2)
  text = a1 .. ': ' .. a2
elseif op == 'status' then
  if st == 'resolved' then return reply('resolved') end
  redis.call('HSET', h, 'last_update', now)
elseif op == 'page' then
  -- a later escalation level reached a1 (user ids, comma separated)
  local cur = redis.call('HGET', h, 'paged') or ''
  local seen = {}
  for u in string.gmatch(cur, '[^,]+') do seen[u] = true end
  for u in string.gmatch(a1, '[^,]+') do
    if not seen[u] then
      seen[u] = true
      if cur == '' then cur = u else cur = cur .. ',' .. u end
    end
  end
  redis.call('HSET', h, 'paged', cur)
  text = a1 .. ' (' .. a2 .. ')'
elseif op == 'unreached' then
  -- a page's DM failed to reach a1 (user ids); ARGV[8] says why
  local cur = redis.call('HGET', h, 'unreached') or ''
  local seen = {}
  for u in string.gmatch(cur, '[^,]+') do seen[u] = true end
  for u in string.gmatch(a1, '[^,]+') do
    if not seen[u] then
      seen[u] = true
      if cur == '' then cur = u else cur = cur .. ',' .. u end
    end
  end
  redis.call('HSET', h, 'unreached', cur)
  text = a1 .. ' (' .. a2 .. ')'
  if (ARGV[8] or '') ~= '' then text = text .. ': ' .. ARGV[8] end
elseif op == 'note' or op == 'link' then
  -- allowed in every state: the story goes on after resolution
else
  return redis.error_reply('unknown incident op ' .. op)
end
for i = 10, #KEYS do redis.call('ZADD', KEYS[i], ARGV[7], ARGV[7]) end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'at', now, 'who', actor, 'what', op, 'text', text)
return reply('ok')`)

// refsScript records where the incident's message was posted (and the
// page raised for it, and its own channel) and maps those threads and
// channel back to the incident.
// KEYS: 1 hash, 2 timeline, 3 paged users' set... then the thread and
// channel map keys. ARGV: 1 num, 2 msgs, 3 page id, 4 paged users,
// 5 incident channel, 6 now ms, 7 timeline max, 8 number of user sets,
// 9-11 the state, commander and severity the posted message shows,
// 12 who asked for the page, 13 the users it could not reach, then one
// timeline text per user not reached. The page is written to the
// timeline as asked by ARGV[12]: whom it reached (when it reached
// anyone, or nothing says whom it missed) and whom not, and why.
// It returns 2 when the incident has changed from what was posted (a
// paged person acknowledged before the message was recorded), else 1.
var refsScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'msgs', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'page', ARGV[3], 'paged', ARGV[4], 'unreached', ARGV[13])
  if ARGV[4] ~= '' or #ARGV < 14 then
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'at', ARGV[6], 'who', ARGV[12], 'what', 'page', 'text', ARGV[4] .. ' (' .. ARGV[3] .. ')')
  end
  for i = 14, #ARGV do
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'at', ARGV[6], 'who', ARGV[12], 'what', 'unreached', 'text', ARGV[i])
  end
end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'inc_channel', ARGV[5]) end
local users = tonumber(ARGV[8])
for i = 3, 2 + users do redis.call('ZADD', KEYS[i], ARGV[1], ARGV[1]) end
for i = 3 + users, #KEYS do redis.call('SET', KEYS[i], ARGV[1]) end
local cur = redis.call('HMGET', KEYS[1], 'state', 'commander', 'sev')
if (cur[1] or '') ~= ARGV[9] or (cur[2] or '') ~= ARGV[10] or (cur[3] or '') ~= ARGV[11] then return 2 end
return 1`)

// listScript finds the newest incidents in every one of KEYS (sorted
// sets of incident numbers), walking the smallest newest first and
// stopping at ARGV[1] matches. It returns the number of matches (counted
// by ZINTERCARD, or by walking on where that is missing, as in
// miniredis) followed by the matching numbers, newest first.
var listScript = redis.NewScript(`
local limit = tonumber(ARGV[1])
local sizes = {}
local driver = 1
for i = 1, #KEYS do
  sizes[i] = redis.call('ZCARD', KEYS[i])
  if sizes[i] < sizes[driver] then driver = i end
end
if #KEYS == 1 then
  local out = redis.call('ZREVRANGE', KEYS[1], 0, limit - 1)
  table.insert(out, 1, tostring(sizes[1]))
  return out
end
local total = redis.pcall('ZINTERCARD', #KEYS, unpack(KEYS))
local count = type(total) ~= 'number'
if count then total = 0 end
local out, start = {}, 0
while start < sizes[driver] and (count or #out < limit) do
  local chunk = redis.call('ZREVRANGE', KEYS[driver], start, start + 199)
  for _, m in ipairs(chunk) do
    local ok = true
    for i = 1, #KEYS do
      if i ~= driver and not redis.call('ZSCORE', KEYS[i], m) then ok = false; break end
    end
    if ok then
      if count then total = total + 1 end
      if #out < limit then out[#out + 1] = m end
    end
  end
  start = start + 200
end
table.insert(out, 1, tostring(total))
return out`)
