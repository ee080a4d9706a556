-- Resolves identifiers to their profiles in one round trip; read-only, so it may run on a replica
-- (EVALSHA_RO).
-- KEYS[1]: the space's applied-sequence key (its prefix names the space's other keys).
-- ARGV: identifiers as "namespace:value", normalized.
-- Returns one entry per identifier: {} when unknown, else {profile, ambiguous (0/1), {members...}}.
local prefix = string.sub(KEYS[1], 1, -8)
local out = {}
for i, id in ipairs(ARGV) do
  local pid = redis.call('GET', prefix .. 'i:' .. id)
  if pid then
    out[i] = { pid, redis.call('SISMEMBER', prefix .. 'amb', id), redis.call('SMEMBERS', prefix .. 'p:' .. pid) }
  else
    out[i] = {}
  end
end
return out
