-- Counts one request of a user in a sliding window, for every API replica at once.
-- KEYS[1]: the user's requests (a sorted set of request ids scored by time, in ms)
-- ARGV[1]: now (ms)  ARGV[2]: the window (ms)  ARGV[3]: the limit  ARGV[4]: this request's id
-- Returns 0 when counted, else how many ms until the oldest request leaves the window.
--#include request-window-count.lua
return count_request(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])
