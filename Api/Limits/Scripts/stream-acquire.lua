-- Takes one of a user's concurrent stream slots, for every API replica at once. A slot is a lease that lapses by
-- itself, so a replica that dies holding one frees it after the lease.
-- KEYS[1]: the user's open streams (a sorted set of stream ids scored by when their lease lapses, in ms)
-- ARGV[1]: now (ms)  ARGV[2]: the lease (ms)  ARGV[3]: the limit  ARGV[4]: this stream's id
-- Returns 1 when the slot is taken, 0 when all are busy.
--#include stream-take.lua
return take_stream(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])
