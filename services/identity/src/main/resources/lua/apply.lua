-- Applies one identity log entry to the Redis graph, atomically and at most once.
-- KEYS[1]: the space's applied-sequence key, "cairn:id:{<space>}:applied". Every other key the script
--          touches shares its prefix and so its hash tag: one slot, one primary, one atomic step.
-- ARGV[1]: the entry's sequence. An entry at or below the applied sequence is skipped (idempotence).
-- ARGV[2]: JSON {moves = [[identifier, profile], ...], amb = [identifier, ...], drop = [profile, ...]}.
local prefix = string.sub(KEYS[1], 1, -8)
local applied = tonumber(redis.call('GET', KEYS[1]) or '0')
local seq = tonumber(ARGV[1])
if seq <= applied then
  return 0
end
local e = cjson.decode(ARGV[2])
if e.drop then
  for _, pid in ipairs(e.drop) do
    local pkey = prefix .. 'p:' .. pid
    for _, m in ipairs(redis.call('SMEMBERS', pkey)) do
      redis.call('DEL', prefix .. 'i:' .. m)
      redis.call('SREM', prefix .. 'amb', m)
    end
    redis.call('DEL', pkey)
  end
end
if e.moves then
  for _, mv in ipairs(e.moves) do
    local ikey = prefix .. 'i:' .. mv[1]
    local old = redis.call('GET', ikey)
    if old and old ~= mv[2] then
      redis.call('SREM', prefix .. 'p:' .. old, mv[1])
    end
    redis.call('SET', ikey, mv[2])
    redis.call('SADD', prefix .. 'p:' .. mv[2], mv[1])
  end
end
if e.amb then
  for _, a in ipairs(e.amb) do
    redis.call('SADD', prefix .. 'amb', a)
  end
end
redis.call('SET', KEYS[1], seq)
return 1
