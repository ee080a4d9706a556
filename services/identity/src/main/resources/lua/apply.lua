-- Applies identity log entries to the Redis graph, in order, atomically and each at most once.
-- KEYS[1]: the space's applied-sequence key, "cairn:id:{<space>}:applied". Every other key the script
--          touches shares its prefix and so its hash tag: one slot, one primary, one atomic step.
-- ARGV: pairs of (sequence, effect): ARGV[2i-1] an entry's sequence, ARGV[2i] its JSON effect
--       {moves = [[identifier, profile], ...], amb = [identifier, ...], drop = [profile, ...]}, ascending.
--       An entry at or below the applied sequence is skipped (idempotence), so a pass may repeat.
-- Returns one flag per entry: 1 applied now, 0 applied before.
local prefix = string.sub(KEYS[1], 1, -8)
local applied = tonumber(redis.call('GET', KEYS[1]) or '0')
local out = {}
for i = 1, #ARGV, 2 do
  local seq = tonumber(ARGV[i])
  if seq <= applied then
    out[#out + 1] = 0
  else
    local e = cjson.decode(ARGV[i + 1])
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
    applied = seq
    out[#out + 1] = 1
  end
end
redis.call('SET', KEYS[1], applied)
return out
