-- A conversation's highest version written (the row's count of writes): raised only, so writers that finish out of
-- order, and a reader seeding what it read, never lower it. Its life starts again at each call.
-- KEYS[1]: the conversation's version  ARGV[1]: the version written or read  ARGV[2]: how long it lives (ms)
-- Returns the version held afterwards.
local version = tonumber(ARGV[1])
local held = tonumber(redis.call('GET', KEYS[1]) or '-1')
if version > held then
  redis.call('SET', KEYS[1], version, 'PX', ARGV[2])
  return version
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return held
