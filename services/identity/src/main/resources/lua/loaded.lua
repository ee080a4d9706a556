-- Marks the space's graph as holding the log, once the outbox has applied it through the head it read.
-- KEYS[1]: the space's applied-sequence key; its prefix names the marker, "cairn:id:{<space>}:loaded".
-- ARGV[1]: the highest log sequence the outbox's pass read (0 for an empty log).
-- The check and the write are one atomic step: a Redis flushed after the pass read its applied sequence has
-- lost both keys, so a late mark cannot declare an empty graph loaded. Returns 1 when the marker is set.
local prefix = string.sub(KEYS[1], 1, -8)
if redis.call('EXISTS', prefix .. 'loaded') == 1 then
  return 1
end
local applied = tonumber(redis.call('GET', KEYS[1]) or '0')
if applied < tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', prefix .. 'loaded', '1')
return 1
