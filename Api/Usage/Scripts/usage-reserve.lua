-- Reserves a request's output tokens against a user's day, for every API replica at once. A reservation is a lease
-- that lapses by itself, so a replica that dies holding one frees it after the lease. The day's settled total lives
-- beside the reservations (usage-settle.lua adds to it), so reserving reads no table: the caller seeds the total once,
-- from what it knows, when the store has none.
-- KEYS[1]: the user's reservations for the day (a sorted set of "id:tokens", scored by when each lapses, in ms)
-- KEYS[2]: the user's settled output tokens for the day (a counter)
-- ARGV[1]: now (ms)  ARGV[2]: the lease (ms)  ARGV[3]: the settled tokens the caller knows of (-1: it knows none)
-- ARGV[4]: the day's quota  ARGV[5]: the tokens wanted  ARGV[6]: this reservation's id  ARGV[7]: how long the total lives (ms)
-- Returns the tokens reserved: what was wanted, or what is left of the day when that is less; 0 when nothing is left;
-- -1 when neither the store nor the caller knows the day's total (the caller reads it and asks again).
local used = redis.call('GET', KEYS[2])
if not used then
  if tonumber(ARGV[3]) < 0 then
    return -1
  end
  used = ARGV[3]
  redis.call('SET', KEYS[2], used, 'PX', ARGV[7])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[1])
local held = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  held = held + tonumber(string.match(member, ':(%d+)$'))
end
local left = tonumber(ARGV[4]) - tonumber(used) - held
if left < 1 then
  return 0
end
local tokens = math.min(tonumber(ARGV[5]), left)
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[6] .. ':' .. tokens)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return tokens
