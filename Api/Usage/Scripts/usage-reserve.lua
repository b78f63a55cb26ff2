-- Reserves a request's output tokens against a user's day, for every API replica at once (usage-reserve-tokens.lua).
-- KEYS[1]: the user's reservations for the day  KEYS[2]: the user's settled output tokens for the day
-- ARGV[1]: now (ms)  ARGV[2]: the lease (ms)  ARGV[3]: the settled tokens the caller knows of (-1: it knows none)
-- ARGV[4]: the day's quota  ARGV[5]: the tokens wanted  ARGV[6]: this reservation's id  ARGV[7]: how long the total lives (ms)
--#include usage-reserve-tokens.lua
return reserve_tokens(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]))
