// Lua scripts of the Redis quota store: each runs atomically inside Redis, so a reservation across
// several quotas and windows is all-or-nothing even with many waypoints on many nodes.

/**
 * Shared functions. Keys (P = prefix): `P u:<series>:{t|c|r}` hash bucket→sum; `P hz:<quota>` zset
 * reservation→expiry; `P ha:<quota>` hash reservation→"t,c,r"; `P ht:<quota>` hash of the running
 * totals of unexpired holds; `P r:<id>` the reservation record; `P lp:`/`P lt:<agent>:<hash>` zsets
 * of loop events; `P ls:<agent>` list of recent steps. Numbers go back to Redis through `fmt` because
 * Lua would print large integers in exponent form, which HINCRBY rejects.
 */
const PRELUDE = `
local P = ARGV[1]
local function fmt(x) return string.format('%d', x) end
local METRICS = {'t', 'c', 'r'}

local function expire_holds(q, now)
  local hz = P .. 'hz:' .. q
  local ids = redis.call('ZRANGEBYSCORE', hz, '-inf', now)
  if #ids == 0 then return end
  local ha, ht = P .. 'ha:' .. q, P .. 'ht:' .. q
  for _, id in ipairs(ids) do
    local v = redis.call('HGET', ha, id)
    if v then
      local t, c, r = string.match(v, '^(%-?%d+),(%-?%d+),(%-?%d+)$')
      redis.call('HINCRBY', ht, 't', fmt(-tonumber(t)))
      redis.call('HINCRBY', ht, 'c', fmt(-tonumber(c)))
      redis.call('HINCRBY', ht, 'r', fmt(-tonumber(r)))
      redis.call('HDEL', ha, id)
    end
    redis.call('ZREM', hz, id)
  end
end

local function held(q)
  local v = redis.call('HMGET', P .. 'ht:' .. q, 't', 'c', 'r')
  return {tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0}
end

-- Sums the buckets of a series within [lo, hi] and drops buckets past their retention.
local function used(s, now)
  local sum, newest = {0, 0, 0}, -1
  for i, m in ipairs(METRICS) do
    local key = P .. 'u:' .. s.k .. ':' .. m
    local all = redis.call('HGETALL', key)
    local stale = {}
    for j = 1, #all, 2 do
      local b = tonumber(all[j])
      if b >= s.lo and b <= s.hi then
        sum[i] = sum[i] + tonumber(all[j + 1])
        if b > newest then newest = b end
      elseif b + s.ret < now then
        stale[#stale + 1] = all[j]
      end
    end
    if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
  end
  return sum, newest
end

local function fits(lim, u, h, a)
  for i, m in ipairs(METRICS) do
    local l = lim[m]
    if l ~= nil and l ~= cjson.null and u[i] + h[i] + a[i] > l then return false end
  end
  return true
end
`;

/** ARGV: prefix, plan JSON. Returns JSON {a: admitted, lb: loopBlocked, f: figures, l: loop counts}. */
export const RESERVE_LUA = `${PRELUDE}
local plan = cjson.decode(ARGV[2])
local now = plan.now
local counts, blocked = {}, false
local L = plan.loop
if L then
  local steps = {}
  if L.st then
    steps = redis.call('LRANGE', P .. 'ls:' .. L.a, 0, 63)
  end
  for _, ck in ipairs(L.checks) do
    local since = now - ck.w
    local prompts, tools, pp = 0, 0, 0
    if L.p then
      prompts = redis.call('ZCOUNT', P .. 'lp:' .. L.a .. ':' .. L.p, '(' .. fmt(since), '+inf') + 1
    end
    for _, h in ipairs(L.tc) do
      local n = redis.call('ZCOUNT', P .. 'lt:' .. L.a .. ':' .. h, '(' .. fmt(since), '+inf') + 1
      if n > tools then tools = n end
    end
    if L.st then
      local seq = {L.st}
      for _, e in ipairs(steps) do
        local at, h = string.match(e, '^(%d+)|(.*)$')
        if tonumber(at) > since then seq[#seq + 1] = h end
      end
      local len = 1
      if #seq >= 2 and seq[2] ~= seq[1] then
        len = 2
        while len < #seq and seq[len + 1] == seq[len - 1] do len = len + 1 end
      end
      if len >= 4 then pp = math.ceil(len / 2) end
    end
    counts[#counts + 1] = {ck.q, prompts, tools, pp}
    if prompts >= ck.mp or tools >= ck.mt or pp >= ck.mt then blocked = true end
  end
end
if blocked then
  return cjson.encode({a = false, lb = true, f = {}, l = counts})
end

local figures, admitted = {}, true
for _, hold in ipairs(plan.holds) do
  expire_holds(hold.q, now)
  local h = held(hold.q)
  local a = {hold.t, hold.c, hold.r}
  for _, s in ipairs(hold.s) do
    local u, newest = used(s, now)
    figures[#figures + 1] = {u[1], u[2], u[3], h[1], h[2], h[3], newest}
    if not fits(s.lim, u, h, a) then admitted = false end
  end
end
if not admitted then
  return cjson.encode({a = false, lb = false, f = figures, l = counts})
end

local rk = P .. 'r:' .. plan.id
local quotas = {}
for _, hold in ipairs(plan.holds) do
  quotas[#quotas + 1] = hold.q
  redis.call('ZADD', P .. 'hz:' .. hold.q, plan.exp, plan.id)
  redis.call('HSET', P .. 'ha:' .. hold.q, plan.id, fmt(hold.t) .. ',' .. fmt(hold.c) .. ',' .. fmt(hold.r))
  local ht = P .. 'ht:' .. hold.q
  redis.call('HINCRBY', ht, 't', fmt(hold.t))
  redis.call('HINCRBY', ht, 'c', fmt(hold.c))
  redis.call('HINCRBY', ht, 'r', fmt(hold.r))
end
redis.call('HSET', rk, 'state', '0', 'exp', fmt(plan.exp), 'meta', plan.meta, 'quotas', cjson.encode(quotas))
redis.call('PEXPIRE', rk, fmt(plan.exp + plan.grace - now))
if L then
  local keep = L.ret
  local function record(key)
    redis.call('ZADD', key, now, plan.id)
    redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. fmt(now - keep))
    redis.call('PEXPIRE', key, fmt(keep))
  end
  if L.p then record(P .. 'lp:' .. L.a .. ':' .. L.p) end
  local seen = {}
  for _, h in ipairs(L.tc) do
    if not seen[h] then seen[h] = true; record(P .. 'lt:' .. L.a .. ':' .. h) end
  end
  if L.st then
    local lk = P .. 'ls:' .. L.a
    redis.call('LPUSH', lk, fmt(now) .. '|' .. L.st)
    redis.call('LTRIM', lk, 0, 63)
    redis.call('PEXPIRE', lk, fmt(keep))
  end
end
return cjson.encode({a = true, lb = false, f = figures, l = counts})
`;

/** ARGV: prefix, id, now, charges JSON [{s, b, ret, t, c, r}]. Returns settled | late | already | unknown. */
export const SETTLE_LUA = `${PRELUDE}
local id, now = ARGV[2], tonumber(ARGV[3])
local charges = cjson.decode(ARGV[4])
local rk = P .. 'r:' .. id
local state = redis.call('HGET', rk, 'state')
if not state then return 'unknown' end
if state ~= '0' then return 'already' end
local late = tonumber(redis.call('HGET', rk, 'exp')) <= now
for _, q in ipairs(cjson.decode(redis.call('HGET', rk, 'quotas'))) do
  if redis.call('ZREM', P .. 'hz:' .. q, id) == 1 then
    local ha = P .. 'ha:' .. q
    local v = redis.call('HGET', ha, id)
    if v then
      local t, c, r = string.match(v, '^(%-?%d+),(%-?%d+),(%-?%d+)$')
      local ht = P .. 'ht:' .. q
      redis.call('HINCRBY', ht, 't', fmt(-tonumber(t)))
      redis.call('HINCRBY', ht, 'c', fmt(-tonumber(c)))
      redis.call('HINCRBY', ht, 'r', fmt(-tonumber(r)))
      redis.call('HDEL', ha, id)
    end
  else
    late = true
  end
end
redis.call('HSET', rk, 'state', '1')
redis.call('HDEL', rk, 'meta')
redis.call('PEXPIRE', rk, 60000)
for _, ch in ipairs(charges) do
  local vals = {ch.t, ch.c, ch.r}
  local want = ch.b + ch.ret - now
  for i, m in ipairs(METRICS) do
    local key = P .. 'u:' .. ch.s .. ':' .. m
    redis.call('HINCRBY', key, fmt(ch.b), fmt(vals[i]))
    if want > 0 and redis.call('PTTL', key) < want then redis.call('PEXPIRE', key, fmt(want)) end
  end
end
if late then return 'late' end
return 'settled'
`;

/** ARGV: prefix, now, series JSON [{k, lo, hi, ret, q}]. Returns JSON figures like RESERVE_LUA's. */
export const FIGURES_LUA = `${PRELUDE}
local now = tonumber(ARGV[2])
local out, done = {}, {}
for _, s in ipairs(cjson.decode(ARGV[3])) do
  if not done[s.q] then expire_holds(s.q, now); done[s.q] = true end
  local h = held(s.q)
  local u, newest = used(s, now)
  out[#out + 1] = {u[1], u[2], u[3], h[1], h[2], h[3], newest}
end
return cjson.encode(out)
`;
