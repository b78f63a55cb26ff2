-- Counts one request of a user in a sliding window, for every API replica at once.
-- KEYS[1]: the user's requests (a sorted set of request ids scored by time, in ms)
-- ARGV[1]: now (ms)  ARGV[2]: the window (ms)  ARGV[3]: the limit  ARGV[4]: this request's id
-- Returns 0 when counted, else how many ms until the oldest request leaves the window.
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1])
if wait < 1 then
  return 1
end
return wait
