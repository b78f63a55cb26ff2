-- take_stream(key, now, lease, limit, id): takes one of the user's stream slots (a sorted set of stream ids scored by
-- when their lease lapses, in ms). Returns 1 when taken, 0 when all are busy.
local function take_stream(key, now, lease, limit, id)
  redis.call('ZREMRANGEBYSCORE', key, 0, now)
  if redis.call('ZCARD', key) < limit then
    redis.call('ZADD', key, now + lease, id)
    redis.call('PEXPIRE', key, lease)
    return 1
  end
  return 0
end
