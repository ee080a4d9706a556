-- Reads of personal data, consumed from cairn.audit.reads.<service>.v1, go to the same audit trail as changes and
-- privacy reads (GetAuditTrail reads one table, newest first). A read names its caller's client, the purpose it was
-- read under and the kinds of data returned; other entries leave these empty.
alter table audit_entry add column record_id  text;
alter table audit_entry add column client     text;
alter table audit_entry add column purpose    text;
alter table audit_entry add column data_kinds text[];
-- One row per (read, subject) however often Kafka delivers the read: the consumer inserts with on conflict do nothing.
create unique index audit_entry_read on audit_entry (record_id, subject_hash) where record_id is not null;

-- The trail is evidence: nothing rewrites or removes an entry (an erasure leaves the trail, which holds only keyed
-- hashes). Only consent_record had this guard so far.
create function audit_entry_immutable() returns trigger language plpgsql as $$
begin
    raise exception 'audit_entry is append-only: % is not allowed', tg_op;
end $$;
create trigger audit_entry_append_only before update or delete on audit_entry
    for each row execute function audit_entry_immutable();
