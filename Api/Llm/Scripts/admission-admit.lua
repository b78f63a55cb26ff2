-- admit(keys, now, slot_lease, capacity, max_queue, ticket, user, waiting_lease, keys_live, per_user): admission to
-- one model backend for every API replica at once (admission-acquire.lua says how). keys: slots in flight, the queue,
-- waiting tickets' leases, each user's last tag, the virtual time. Returns 1 when the ticket holds a slot, 0 when it
-- waits in the queue, -1 when the queue is full, or when the user already has per_user tickets in it (a ticket names
-- its user's mark between its first and second colon: SharedAdmission.NewTicket).
local function admit(keys, now, slot_lease, capacity, max_queue, ticket, user, waiting_lease, keys_live, per_user)
  redis.call('ZREMRANGEBYSCORE', keys[1], '-inf', now)
  local lapsed = redis.call('ZRANGEBYSCORE', keys[3], '-inf', now)
  for _, gone in ipairs(lapsed) do
    redis.call('ZREM', keys[2], gone)
  end
  redis.call('ZREMRANGEBYSCORE', keys[3], '-inf', now)

  local function take(tag)
    redis.call('ZREM', keys[2], ticket)
    redis.call('ZREM', keys[3], ticket)
    redis.call('ZADD', keys[1], now + slot_lease, ticket)
    if tag then
      local virtual = tonumber(redis.call('GET', keys[5]) or '0')
      if tag > virtual then
        redis.call('SET', keys[5], tag, 'PX', keys_live)
      end
    end
    return 1
  end

  local free = capacity - redis.call('ZCARD', keys[1])
  local tag = redis.call('ZSCORE', keys[2], ticket)
  if not tag then
    if free > 0 and redis.call('ZCARD', keys[2]) == 0 then
      return take(nil)
    end
    if redis.call('ZCARD', keys[2]) >= max_queue then
      return -1
    end
    local mark = string.match(ticket, '^[^:]+:([^:]+):')
    if per_user and mark then
      local mine = 0
      for _, queued in ipairs(redis.call('ZRANGE', keys[2], 0, -1)) do
        if string.find(queued, ':' .. mark .. ':', 1, true) then
          mine = mine + 1
        end
      end
      if mine >= per_user then
        return -1
      end
    end
    local virtual = tonumber(redis.call('GET', keys[5]) or '0')
    local last = tonumber(redis.call('HGET', keys[4], user) or '0')
    tag = math.max(virtual, last) + 1
    redis.call('HSET', keys[4], user, tag)
    redis.call('PEXPIRE', keys[4], keys_live)
    redis.call('ZADD', keys[2], tag, ticket)
  else
    tag = tonumber(tag)
  end

  if free > 0 and redis.call('ZRANK', keys[2], ticket) < free then
    return take(tag)
  end
  redis.call('ZADD', keys[3], now + waiting_lease, ticket)
  return 0
end
