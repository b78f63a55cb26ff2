-- Ends a reply's log: it lives on for the retention (a late reconnect still gets its end), and the conversation's
-- pointer to its active reply is removed only if it still names this reply (a newer reply may have replaced it).
-- KEYS[1]: the log (list)  KEYS[2]: the owner (string)  KEYS[3]: the conversation's active reply (string)
-- ARGV[1]: this reply's id  ARGV[2]: the retention (ms)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if redis.call('GET', KEYS[3]) == ARGV[1] then
  redis.call('DEL', KEYS[3])
end
return 1
