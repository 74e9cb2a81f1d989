package state

import "github.com/redis/go-redis/v9"

// applyScript applies a versioned change to one entity atomically: it checks
// the event's version against the record (or the tombstone of an erased
// candidate), checks that the record is still at the revision the caller
// read, updates the entity's index entries and the shard's frequency
// counters, and writes the record.
//
// Every applied change is appended to the shard's change log (a stream),
// which replicas follow to keep their in-memory mirrors in step.
//
// A record keeps "s", the time of the event that created it (a candidate's
// registration), across updates.
//
// KEYS: record, df, counts, tombstone, change log, expiry set, then nrem
// index keys to leave and nadd index keys to join.
// ARGV: 1 time (20-digit nanoseconds), 2 event id, 3 expected revision (""
// when absent), 4 mode (put|close|erase), 5 features JSON, 6 member, 7 kind
// (j|c), 8 nrem, 9 nadd, 10 ndec, 11 ninc, 12 was active (1|0), 13 tombstone
// TTL seconds, 14 change log length, 15 expiry (unix ms; "" = none), then
// ndec tokens to decrement and ninc tokens to increment.
// Returns {status, revision}: status is applied, current or stale; or
// {conflict, revision, status, features} when the record is not at the
// expected revision, so that the caller can rebuild the change without
// another read.
var applyScript = redis.NewScript(`
local t, e = ARGV[1], ARGV[2]
local cur = redis.call('HMGET', KEYS[1], 't', 'e', 'r')
local ct, ce, cr = cur[1], cur[2], cur[3]
local tb = redis.call('HMGET', KEYS[4], 't', 'e', 'r')
if not ct then ct, ce = tb[1], tb[2] end
local base = tonumber(cr or tb[3] or '0')
if ct then
  if t == ct and e == ce then return {'current', tostring(base)} end
  if t < ct or (t == ct and e < ce) then return {'stale', tostring(base)} end
end
if (cr or '') ~= ARGV[3] then
  local x = redis.call('HMGET', KEYS[1], 'st', 'f')
  return {'conflict', cr or '', x[1] or '', x[2] or ''}
end
local nrem, nadd = tonumber(ARGV[8]), tonumber(ARGV[9])
for i = 1, nrem do redis.call('SREM', KEYS[6 + i], ARGV[6]) end
for i = 1, nadd do redis.call('SADD', KEYS[6 + nrem + i], ARGV[6]) end
local a = 16
for i = 1, tonumber(ARGV[10]) do
  if redis.call('HINCRBY', KEYS[2], ARGV[a], -1) <= 0 then redis.call('HDEL', KEYS[2], ARGV[a]) end
  a = a + 1
end
for i = 1, tonumber(ARGV[11]) do
  redis.call('HINCRBY', KEYS[2], ARGV[a], 1)
  a = a + 1
end
local was, now = ARGV[12] == '1', ARGV[4] == 'put'
if was and not now then redis.call('HINCRBY', KEYS[3], ARGV[7], -1) end
if now and not was then redis.call('HINCRBY', KEYS[3], ARGV[7], 1) end
local rev = base + 1
if ARGV[4] == 'put' then
  redis.call('HSET', KEYS[1], 't', t, 'e', e, 'r', rev, 'st', 'o', 'f', ARGV[5])
  redis.call('HSETNX', KEYS[1], 's', t)
  redis.call('PERSIST', KEYS[1])
  if KEYS[4] ~= KEYS[1] then redis.call('DEL', KEYS[4]) end
elseif ARGV[4] == 'close' then
  redis.call('HSET', KEYS[1], 't', t, 'e', e, 'r', rev, 'st', 'c')
  redis.call('HDEL', KEYS[1], 'f')
  redis.call('EXPIRE', KEYS[1], ARGV[13])
else
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[4], 't', t, 'e', e, 'r', rev)
  redis.call('EXPIRE', KEYS[4], ARGV[13])
end
if now and ARGV[15] ~= '' then
  redis.call('ZADD', KEYS[6], ARGV[15], ARGV[6])
else
  redis.call('ZREM', KEYS[6], ARGV[6])
end
local op = 'r'
if now then op = 'p' end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[14], '*', 'k', ARGV[7], 'i', ARGV[6], 'r', rev, 'o', op)
return {'applied', tostring(rev)}
`)

// campaignScript applies a versioned change to a campaign record.
// KEYS: record. ARGV: time, event id, status (o|c), then field/value pairs.
var campaignScript = redis.NewScript(`
local cur = redis.call('HMGET', KEYS[1], 't', 'e')
local ct, ce = cur[1], cur[2]
if ct then
  if ARGV[1] == ct and ARGV[2] == ce then return 'current' end
  if ARGV[1] < ct or (ARGV[1] == ct and ARGV[2] < ce) then return 'stale' end
end
redis.call('HSET', KEYS[1], 't', ARGV[1], 'e', ARGV[2], 'st', ARGV[3])
redis.call('HDEL', KEYS[1], 'act')
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 'applied'
`)

// claimScript moves a pair's ledger entry to a pending transition.
// KEYS: ledger, candidate record. ARGV: 1 job ref, 2 kind (c|r), 3 gen, 4
// expected candidate revision ("0" = any), 5 campaign, 6 score, 7 payload.
// Returns ok, busy (the entry is not as the claim expects), stale (the
// candidate changed) or declined (a create of a pair the candidate or the
// company declined).
var claimScript = redis.NewScript(`
if ARGV[4] ~= '0' then
  if redis.call('HGET', KEYS[2], 'r') ~= ARGV[4] then return 'stale' end
end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local tail = '|' .. ARGV[3] .. '|' .. ARGV[5] .. '|' .. ARGV[6] .. '|' .. ARGV[7]
if ARGV[2] == 'c' then
  if cur then return 'busy' end
  if redis.call('HEXISTS', KEYS[1], '!d:' .. ARGV[1]) == 1 then return 'declined' end
  redis.call('HSET', KEYS[1], ARGV[1], 'C' .. tail)
  return 'ok'
end
if not cur then return 'busy' end
local st, gen = string.match(cur, '^(%a)|(%d+)|')
if st ~= 'A' or gen ~= ARGV[3] then return 'busy' end
redis.call('HSET', KEYS[1], ARGV[1], 'X' .. tail)
return 'ok'
`)

// completeScript ends a pending transition of generation gen: a create
// becomes active, a retract removes the entry. It is idempotent. The first
// match a candidate receives in a campaign is remembered ("!f:<campaign>"
// = its generation, a time in microseconds) for the campaign's statistics.
// KEYS: ledger. ARGV: job ref, gen.
var completeScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local st, gen, camp, score = string.match(cur, '^(%a)|(%d+)|([^|]*)|([^|]*)|')
if gen ~= ARGV[2] then return 0 end
if st == 'C' then
  redis.call('HSET', KEYS[1], ARGV[1], 'A|' .. gen .. '|' .. camp .. '|' .. score .. '|')
  redis.call('HSETNX', KEYS[1], '!f:' .. camp, gen)
elseif st == 'X' then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
`)

// phaseScript records that the campaign change with event id ARGV[1] has
// been carried out up to phase ARGV[2] (matched, ended), unless a newer
// change was applied meanwhile. KEYS: record. Returns 1 when recorded.
var phaseScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'e') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'act', ARGV[2])
return 1
`)

// unlockScript deletes KEYS[1] if it still holds ARGV[1].
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// windowScript counts a new match in a window of recent matches (a sorted
// set by time) when it has room. Only members starting with the prefix
// count against the cap (a candidate's window holds every campaign's).
// KEYS: window. ARGV: now (unix ms), window (ms), cap, member, prefix.
// Returns 1 when counted.
var windowScript = redis.NewScript(`
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 1 end
local n, pre = 0, ARGV[5]
if pre == '' then
  n = redis.call('ZCARD', KEYS[1])
else
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if string.sub(m, 1, #pre) == pre then n = n + 1 end
  end
end
if n >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`)

// feedbackScript records feedback on a pair in the candidate's ledger hash:
// "!d:<job>" for a decline, "!h:<job>" for a hire, "!i:<job>" for
// interest, each "<campaign>|<from>|<time>". Nothing is recorded for a
// candidate without a profile. KEYS: ledger, candidate record. ARGV: field,
// value. Returns 1 when recorded, 2 when it was already, 0 when the
// candidate holds no profile.
var feedbackScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 2 end
return 1
`)

var allScripts = []*redis.Script{windowScript, feedbackScript, unlockScript, applyScript, campaignScript, phaseScript, claimScript, completeScript}
