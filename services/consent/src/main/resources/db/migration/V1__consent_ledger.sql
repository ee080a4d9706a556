-- The consent ledger: every grant and withdrawal, appended, never updated. Current state is derived from it.
create table consent_record (
    id                uuid primary key,
    subject_key       text        not null,  -- namespace:value, normalized (SubjectKeys)
    subject_namespace text        not null,
    subject_value     text        not null,
    purpose           text        not null,
    jurisdiction      text        not null,  -- applied (input's or the policy default)
    jurisdiction_in   text        not null,  -- as the caller sent it ('' = default)
    status            text        not null check (status in ('GRANTED', 'WITHDRAWN')),
    source            text        not null,
    legal_basis       text        not null,  -- applied
    legal_basis_in    text        not null,
    policy_version    text        not null,  -- applied
    policy_version_in text        not null,
    occurred_at       timestamptz not null,  -- when the subject chose; the latest choice wins by this time
    recorded_at       timestamptz not null,  -- when consent wrote the record
    recorded_by       text        not null,  -- token subject, or ingest:<source>/<messageId>
    client_record_id  text
);
create index consent_record_subject on consent_record (subject_key, occurred_at desc);
create unique index consent_record_client_id on consent_record (subject_key, client_record_id)
    where client_record_id is not null;

-- History is never rewritten: only erasure may remove rows (right to be forgotten), never change them.
create function consent_record_immutable() returns trigger language plpgsql as $$
begin
    raise exception 'consent_record is append-only: % is not allowed', tg_op;
end $$;
create trigger consent_record_no_update before update on consent_record
    for each row execute function consent_record_immutable();

-- Which profile each identifier belongs to, from cairn.identity.changes.v1 (consent follows identity).
create table subject_profile (
    subject_key       text primary key,
    subject_namespace text   not null,
    subject_value     text   not null,
    profile_id        text   not null,
    identity_sequence bigint not null       -- the identity log entry that set it; older entries are ignored
);
create index subject_profile_profile on subject_profile (profile_id);

-- state_version of cairn.consent.state.v1: increases with every state consent publishes.
create sequence consent_state_version;

-- Audit trail: every change and every privacy read, with the caller's identity. Subjects appear only as
-- keyed hashes, so the trail survives an erasure without keeping the personal value.
create table audit_entry (
    id           bigserial primary key,
    at           timestamptz not null,
    actor        text        not null,
    action       text        not null,
    subject_hash text        not null,
    detail       text        not null
);
create index audit_entry_subject on audit_entry (subject_hash, at);

-- Erasure requests and their steps.
create table erasure_request (
    id                uuid primary key,
    client_request_id text unique,
    subject_hash      text        not null,
    reason            text        not null,
    requested_by      text        not null,
    requested_at      timestamptz not null,
    completed_at      timestamptz,
    status            text        not null
);
create table erasure_step (
    request_id uuid        not null references erasure_request (id),
    kind       text        not null,
    position   int         not null,
    status     text        not null,
    detail     text        not null,
    updated_at timestamptz not null,
    attempts   int         not null,
    primary key (request_id, kind)
);
