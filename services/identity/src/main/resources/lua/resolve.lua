-- Resolves identifiers to their profiles in one round trip; read-only, so it may run on a replica
-- (EVALSHA_RO).
-- KEYS[1]: the space's applied-sequence key (its prefix names the space's other keys).
-- ARGV: identifiers as "namespace:value", normalized.
-- Returns one entry per identifier: {} when unknown, else {profile, ambiguous (0/1), {members...}}.
-- Fails with NOTLOADED while the space's graph is not known to hold the log (Redis came back empty, or a
-- rebuild flushed it and is replaying): "not found" from a half-loaded graph would be an answer made from
-- missing data, so the caller is told to retry instead (the outbox sets the marker; see loaded.lua).
-- An ambiguous identifier is shared by several people, so it is attributed to no one: its profile is ''
-- and its members are none; and no profile lists it among its members. (The log keeps it with the
-- profile it was first linked to, so that erasing that profile erases it too.)
local prefix = string.sub(KEYS[1], 1, -8)
local amb = prefix .. 'amb'
if redis.call('EXISTS', prefix .. 'loaded') == 0 then
  return redis.error_reply('NOTLOADED the identity graph is being loaded from the log')
end
local out = {}
for i, id in ipairs(ARGV) do
  local pid = redis.call('GET', prefix .. 'i:' .. id)
  if not pid then
    out[i] = {}
  elseif redis.call('SISMEMBER', amb, id) == 1 then
    out[i] = { '', 1, {} }
  else
    local members = {}
    for _, m in ipairs(redis.call('SMEMBERS', prefix .. 'p:' .. pid)) do
      if redis.call('SISMEMBER', amb, m) == 0 then
        members[#members + 1] = m
      end
    end
    out[i] = { pid, 0, members }
  end
end
return out
