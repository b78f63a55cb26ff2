-- count_request(key, now, window, limit, id): counts one request in the user's sliding window (a sorted set of
-- request ids scored by time, in ms). Returns 0 when counted, else how many ms until the oldest leaves the window.
local function count_request(key, now, window, limit, id)
  redis.call('ZREMRANGEBYSCORE', key, 0, now - window)
  if redis.call('ZCARD', key) < limit then
    redis.call('ZADD', key, now, id)
    redis.call('PEXPIRE', key, window)
    return 0
  end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + window - now
  if wait < 1 then
    return 1
  end
  return wait
end
