-- A user's request limits, stream slot, token reservation and fair admission to a model backend, in one call (the
-- model-call pipeline's steps 4, 5, 6 and 9 with the shared store): one round trip before the model is called. Each
-- part is the same function its own script runs; the parts go in the pipeline's order, and one that refuses gives
-- back what the parts before it took, except the request's count: a refused request still counts.
-- KEYS[1]: the user's requests this minute  KEYS[2]: the user's open streams  KEYS[3]: the user's reservations today
-- KEYS[4]: the user's settled tokens today  KEYS[5..9]: the backend's admission keys (admission-admit.lua)
-- KEYS[10] (optional): the conversation's version (conversation-version.lua)
-- ARGV[1]: now (ms)
-- ARGV[2]: count the request (1/0)  ARGV[3]: the window (ms)  ARGV[4]: the limit  ARGV[5]: the request's id
-- ARGV[6]: take a stream slot (1/0)  ARGV[7]: its lease (ms)  ARGV[8]: the limit  ARGV[9]: the stream's id
-- ARGV[10]: reserve tokens (1/0)  ARGV[11]: the lease (ms)  ARGV[12]: the settled tokens the caller knows (-1: none)
-- ARGV[13]: the day's quota  ARGV[14]: the tokens wanted  ARGV[15]: the reservation's id  ARGV[16]: the total's life (ms)
-- ARGV[17]: the slot's lease (ms)  ARGV[18]: the backend's capacity  ARGV[19]: the queue's limit  ARGV[20]: the ticket
-- ARGV[21]: the user  ARGV[22]: a waiting ticket's lease (ms)  ARGV[23]: how long the admission's bookkeeping lives (ms)
-- ARGV[24]: the most tickets one user may have queued
-- Returns { outcome, value }: 0 admitted (value: tokens reserved), 1 queued (value: tokens reserved; the ticket waits),
-- 2 over the requests a minute (value: ms to wait), 3 every stream slot busy, 4 nothing left of the day,
-- 5 the day's total unknown (read it and call again, not counting the request twice), 6 the queue is full;
-- admitted or queued, a third value: the conversation's version (-1: none held, or no conversation).
--#include request-window-count.lua
--#include stream-take.lua
--#include usage-reserve-tokens.lua
--#include admission-admit.lua
local now = tonumber(ARGV[1])
if ARGV[2] == '1' then
  local wait = count_request(KEYS[1], now, tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5])
  if wait > 0 then
    return { 2, wait }
  end
end
local function give_back_stream()
  if ARGV[6] == '1' then
    redis.call('ZREM', KEYS[2], ARGV[9])
  end
end
if ARGV[6] == '1' and take_stream(KEYS[2], now, tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]) == 0 then
  return { 3, 0 }
end
local tokens = 0
if ARGV[10] == '1' then
  tokens = reserve_tokens(KEYS[3], KEYS[4], now, tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14]), ARGV[15], tonumber(ARGV[16]))
  if tokens < 0 then
    give_back_stream()
    return { 5, 0 }
  end
  if tokens == 0 then
    give_back_stream()
    return { 4, 0 }
  end
end
local admitted = admit({ KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9] }, now, tonumber(ARGV[17]), tonumber(ARGV[18]), tonumber(ARGV[19]), ARGV[20], ARGV[21], tonumber(ARGV[22]), tonumber(ARGV[23]), tonumber(ARGV[24]))
if admitted < 0 then
  give_back_stream()
  if tokens > 0 then
    redis.call('ZREM', KEYS[3], ARGV[15] .. ':' .. tokens)
  end
  return { 6, 0 }
end
local version = -1
if KEYS[10] then
  version = tonumber(redis.call('GET', KEYS[10]) or '-1')
end
return { admitted == 1 and 0 or 1, tokens, version }
