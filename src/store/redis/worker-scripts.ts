/**
 * The Lua scripts of the Redis worker store: each change to the registry or to a worker's
 * health is one script, run atomically on the server, so that coordinators acting at once can
 * neither lose an update nor see one half done. Each script that changes a worker bumps its
 * version `v` and publishes the new state on the changes channel; the coordinators' views take
 * a state only when its version is newer than theirs.
 *
 * A worker is the hash `<p>worker:<id>`: id, endpoint, source, seq, registered, seen, v, key
 * (base64 of its public key, when it registered with one), and its
 * health counters (score, tasks, successes, failures, timeouts, consecutive, ejected_until,
 * streak, latency_ewma — empty until the first answer —, dev_mean, dev_count). Its recent
 * latencies are the list `<p>latency:<id>`, newest first. Beside them: `<p>workers` (id by
 * seq, registration order), `<p>seen` (id by last_seen, for eviction), `<p>seq` and
 * `<p>sources` (ids held per source address). Numbers travel as '%.17g' strings, exact for
 * every double. (Keys are built inside the scripts: this is for one Redis, not Redis Cluster.)
 */
import { LuaScript } from './lua-script.ts';

/** Shared Lua: the fields of a fresh worker's health, and formatting. */
const PRELUDE = `
local function num(x) return string.format('%.17g', x) end
local FRESH = {'score', '1', 'tasks', '0', 'successes', '0', 'failures', '0', 'timeouts', '0', 'consecutive', '0',
  'ejected_until', '0', 'streak', '0', 'latency_ewma', '', 'dev_mean', '0', 'dev_count', '0'}
`;

/**
 * KEYS: workers, seen, seq, sources, worker. ARGV: id, endpoint, source, now, capacity,
 * per-address cap, channel, key or '' (given only when the registration was proven by it, which
 * lets the id move from another address). → {'taken'} | {'full'} | {'address'} | {outcome,
 * previous endpoint, fields}
 */
export const REGISTER = new LuaScript<string[] | [string, string, string[]]>(`${PRELUDE}
local owner = redis.call('HGET', KEYS[5], 'source')
local outcome, previous = 'registered', ''
if owner then
  if owner ~= ARGV[3] then
    if ARGV[8] == '' or redis.call('HGET', KEYS[5], 'key') ~= ARGV[8] then return {'taken'} end
    if tonumber(redis.call('HGET', KEYS[4], ARGV[3]) or '0') >= tonumber(ARGV[6]) then return {'address'} end
    redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
    if redis.call('HINCRBY', KEYS[4], owner, -1) <= 0 then redis.call('HDEL', KEYS[4], owner) end
    redis.call('HSET', KEYS[5], 'source', ARGV[3])
  end
  outcome, previous = 'updated', redis.call('HGET', KEYS[5], 'endpoint')
  redis.call('HSET', KEYS[5], 'endpoint', ARGV[2], 'seen', ARGV[4])
else
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[5]) then return {'full'} end
  if tonumber(redis.call('HGET', KEYS[4], ARGV[3]) or '0') >= tonumber(ARGV[6]) then return {'address'} end
  local seq = redis.call('INCR', KEYS[3])
  redis.call('HSET', KEYS[5], 'id', ARGV[1], 'endpoint', ARGV[2], 'source', ARGV[3], 'seq', seq,
    'registered', ARGV[4], 'seen', ARGV[4], 'v', 0, unpack(FRESH))
  redis.call('ZADD', KEYS[1], seq, ARGV[1])
  redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[5], 'key', ARGV[8]) end
redis.call('HINCRBY', KEYS[5], 'v', 1)
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
local fields = redis.call('HGETALL', KEYS[5])
redis.call('PUBLISH', ARGV[7], cjson.encode({kind = 'upsert', workers = {fields}}))
return {outcome, previous, fields}
`);

/** KEYS: worker, seen. ARGV: id, source, reported endpoint or '', now. → {'unknown'} | {'taken'} | {'mismatch', endpoint} | {'alive', now} */
export const HEARTBEAT = new LuaScript<string[]>(`
local owner = redis.call('HGET', KEYS[1], 'source')
if not owner then return {'unknown'} end
if owner ~= ARGV[2] then return {'taken'} end
local endpoint = redis.call('HGET', KEYS[1], 'endpoint')
if ARGV[3] ~= '' and ARGV[3] ~= endpoint then return {'mismatch', endpoint} end
redis.call('HSET', KEYS[1], 'seen', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return {'alive', ARGV[4]}
`);

/** Removes one worker's keys; shared by deregistration and eviction. */
const FORGET = `
local function forget(prefix, id, source)
  redis.call('DEL', prefix .. 'worker:' .. id, prefix .. 'latency:' .. id)
  redis.call('ZREM', prefix .. 'workers', id)
  redis.call('ZREM', prefix .. 'seen', id)
  if redis.call('HINCRBY', prefix .. 'sources', source, -1) <= 0 then redis.call('HDEL', prefix .. 'sources', source) end
end
`;

/**
 * KEYS: worker. ARGV: prefix, id, source, channel, '1' to remove it from any source (an
 * operator's removal) or ''. → {'unknown'} | {'taken'} | {'removed'}
 */
export const DEREGISTER = new LuaScript<string[]>(`${FORGET}
local owner = redis.call('HGET', KEYS[1], 'source')
if not owner then return {'unknown'} end
if owner ~= ARGV[3] and ARGV[5] ~= '1' then return {'taken'} end
forget(ARGV[1], ARGV[2], owner)
redis.call('PUBLISH', ARGV[4], cjson.encode({kind = 'remove', ids = {ARGV[2]}}))
return {'removed'}
`);

/**
 * KEYS: seen. ARGV: prefix, cutoff, channel. Removes every worker last seen before the cutoff
 * and returns them as {id, endpoint, seen, …}: only the sweep that removed a worker learns of
 * it, so eviction happens once however many coordinators sweep.
 */
export const EVICT = new LuaScript<string[]>(`${FORGET}
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
local evicted = {}
for _, id in ipairs(stale) do
  local key = ARGV[1] .. 'worker:' .. id
  local fields = redis.call('HMGET', key, 'endpoint', 'seen', 'source')
  forget(ARGV[1], id, fields[3] or '')
  table.insert(evicted, id)
  table.insert(evicted, fields[1] or '')
  table.insert(evicted, fields[2] or '0')
end
if #stale > 0 then redis.call('PUBLISH', ARGV[3], cjson.encode({kind = 'remove', ids = stale})) end
return evicted
`);

/**
 * What one request taught about its workers, applied as nextHealth (worker-health.ts) does,
 * step for step. ARGV: prefix, channel, now, score alpha, tolerance, eject after, ejection
 * base, ejection max, latency alpha, latency window, ejection budget, then per worker: id, seq,
 * kind, latency, deadline, deviation or ''. A worker no longer registered under that seq is
 * skipped. → {ejected ids, {the fields of each worker changed}}.
 */
export const RECORD_TASKS = new LuaScript<[string[], string[][]]>(`${PRELUDE}
local prefix, channel, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local alpha, tolerance = tonumber(ARGV[4]), tonumber(ARGV[5])
local eject_after, base, max = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local latency_alpha, window, budget = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local changed, ejected = {}, {}
for i = 12, #ARGV, 6 do
  local id, kind = ARGV[i], ARGV[i + 2]
  local key = prefix .. 'worker:' .. id
  local h = redis.call('HMGET', key, 'seq', 'score', 'tasks', 'successes', 'failures', 'timeouts', 'consecutive',
    'ejected_until', 'streak', 'latency_ewma', 'dev_mean', 'dev_count')
  if h[1] == ARGV[i + 1] then
    local score, tasks, successes, failures, timeouts = tonumber(h[2]), tonumber(h[3]), tonumber(h[4]), tonumber(h[5]), tonumber(h[6])
    local consecutive, ejected_until, streak = tonumber(h[7]), tonumber(h[8]), tonumber(h[9])
    local ewma, dev_mean, dev_count = h[10], tonumber(h[11]), tonumber(h[12])
    local update = {}
    if kind == 'success' then
      local latency, deadline, deviation = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5])
      local timeliness = 0.5
      if latency <= deadline / 2 then timeliness = 1 end
      local judged = deviation ~= nil and deviation == deviation
      local d = 0
      if judged then d = deviation end
      local accuracy = 1
      if judged and not (d <= tolerance) then accuracy = math.exp(-(d - tolerance) / math.max(tolerance, 1e-9)) end
      if judged then dev_count = dev_count + 1 end
      if judged then dev_mean = dev_mean + (d - dev_mean) / dev_count end
      if ewma == '' then ewma = latency else ewma = latency_alpha * latency + (1 - latency_alpha) * tonumber(ewma) end
      score = alpha * (timeliness * accuracy) + (1 - alpha) * score
      tasks, successes, consecutive, streak = tasks + 1, successes + 1, 0, 0
      redis.call('LPUSH', prefix .. 'latency:' .. id, num(latency))
      redis.call('LTRIM', prefix .. 'latency:' .. id, 0, window - 1)
      update = {'score', num(score), 'tasks', num(tasks), 'successes', num(successes), 'consecutive', '0', 'streak', '0',
        'latency_ewma', num(ewma), 'dev_mean', num(dev_mean), 'dev_count', num(dev_count)}
    else
      score = alpha * 0 + (1 - alpha) * score
      tasks, consecutive = tasks + 1, consecutive + 1
      if kind == 'timeout' then timeouts = timeouts + 1 else failures = failures + 1 end
      if consecutive >= eject_after and budget > 0 then
        ejected_until = now + math.min(max, base * 2 ^ streak)
        streak, consecutive, budget = streak + 1, 0, budget - 1
        table.insert(ejected, id)
      end
      update = {'score', num(score), 'tasks', num(tasks), 'failures', num(failures), 'timeouts', num(timeouts),
        'consecutive', num(consecutive), 'ejected_until', num(ejected_until), 'streak', num(streak)}
    end
    redis.call('HSET', key, unpack(update))
    redis.call('HINCRBY', key, 'v', 1)
    table.insert(changed, redis.call('HGETALL', key))
  end
end
if #changed > 0 then redis.call('PUBLISH', channel, cjson.encode({kind = 'upsert', workers = changed})) end
return {ejected, changed}
`);
