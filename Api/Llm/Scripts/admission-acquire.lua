-- Admission to one model backend for every API replica at once: at most `capacity` replies in flight, and a queue
-- served fairly across users (start-time fair queuing). Each queued ticket is tagged max(virtual time, the user's last
-- tag) + 1, and the lowest tags are served first: a user with 50 queued tickets holds tags v+1..v+50, and another
-- user's first ticket gets v+1, so it waits for at most one slot whatever the first user has queued. Equal tags are
-- ordered by ticket, which the caller names so that the latest arrival sorts first (SharedAdmission).
-- Slots and waiting tickets are leases that lapse by themselves: a replica that dies frees what it held.
-- KEYS[1]: slots in flight (sorted set: ticket -> lease expiry, ms)
-- KEYS[2]: the queue (sorted set: ticket -> tag)
-- KEYS[3]: waiting tickets' leases (sorted set: ticket -> lease expiry, ms)
-- KEYS[4]: each user's last tag (hash)
-- KEYS[5]: the virtual time (the tag of the last ticket served)
-- ARGV[1]: now (ms)  ARGV[2]: slot lease (ms)  ARGV[3]: capacity  ARGV[4]: queue limit  ARGV[5]: ticket
-- ARGV[6]: user  ARGV[7]: waiting lease (ms)  ARGV[8]: how long the bookkeeping keys live (ms)
-- Returns 1 when the ticket holds a slot, 0 when it waits in the queue, -1 when the queue is full.
local now = tonumber(ARGV[1])
local capacity = tonumber(ARGV[3])
local ticket = ARGV[5]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, gone in ipairs(lapsed) do
  redis.call('ZREM', KEYS[2], gone)
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)

local function take(tag)
  redis.call('ZREM', KEYS[2], ticket)
  redis.call('ZREM', KEYS[3], ticket)
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ticket)
  if tag then
    local virtual = tonumber(redis.call('GET', KEYS[5]) or '0')
    if tag > virtual then
      redis.call('SET', KEYS[5], tag, 'PX', ARGV[8])
    end
  end
  return 1
end

local free = capacity - redis.call('ZCARD', KEYS[1])
local tag = redis.call('ZSCORE', KEYS[2], ticket)
if not tag then
  if free > 0 and redis.call('ZCARD', KEYS[2]) == 0 then
    return take(nil)
  end
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
    return -1
  end
  local virtual = tonumber(redis.call('GET', KEYS[5]) or '0')
  local last = tonumber(redis.call('HGET', KEYS[4], ARGV[6]) or '0')
  tag = math.max(virtual, last) + 1
  redis.call('HSET', KEYS[4], ARGV[6], tag)
  redis.call('PEXPIRE', KEYS[4], ARGV[8])
  redis.call('ZADD', KEYS[2], tag, ticket)
else
  tag = tonumber(tag)
end

if free > 0 and redis.call('ZRANK', KEYS[2], ticket) < free then
  return take(tag)
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[7]), ticket)
return 0
