-- reserve_tokens(key, total_key, now, lease, seed, quota, wanted, id, total_lives): holds a request's output tokens
-- against a user's day. A reservation is a lease that lapses by itself (a sorted set of "id:tokens" scored by when
-- each lapses, in ms), so a replica that dies holding one frees it after the lease. The day's settled total lives
-- beside the reservations (usage-settle.lua adds to it), so reserving reads no table: the caller seeds the total
-- (seed) when the store has none. Returns the tokens reserved (what was wanted, or what is left of the day when that
-- is less), 0 when nothing is left, -1 when neither the store nor the caller knows the day's total (seed < 0).
local function reserve_tokens(key, total_key, now, lease, seed, quota, wanted, id, total_lives)
  local used = redis.call('GET', total_key)
  if not used then
    if seed < 0 then
      return -1
    end
    used = seed
    redis.call('SET', total_key, seed, 'PX', total_lives)
  end
  redis.call('ZREMRANGEBYSCORE', key, 0, now)
  local held = 0
  for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    held = held + tonumber(string.match(member, ':(%d+)$'))
  end
  local left = quota - tonumber(used) - held
  if left < 1 then
    return 0
  end
  local tokens = math.min(wanted, left)
  redis.call('ZADD', key, now + lease, id .. ':' .. tokens)
  redis.call('PEXPIRE', key, lease)
  return tokens
end
