-- Settles a request against a user's day, for every API replica at once: its reservation goes and its real output
-- tokens join the day's settled total, together, so no other request sees the tokens counted twice or not at all.
-- A total the store no longer holds is not made up here: the next reservation seeds it from the caller.
-- KEYS[1]: the user's reservations for the day  KEYS[2]: the user's settled output tokens for the day
-- ARGV[1]: the reservation ("id:tokens")  ARGV[2]: the request's output tokens
-- Returns the day's settled total, or -1 when the store holds none.
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 1 then
  return redis.call('INCRBY', KEYS[2], ARGV[2])
end
return -1
