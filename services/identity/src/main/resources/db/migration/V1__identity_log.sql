-- Identity's append-only log (the source of truth) and the state derived from it in the same transactions.

-- Log sequence: entries of one space are appended under that space's lock, so within a space sequence
-- order is commit order (the outbox relies on it).
create sequence identity_log_seq start with 1 increment by 1;

-- Every link, merge, split, refusal, hold and delete. Never updated, never deleted. Identifier values are
-- in `identifiers` only encrypted, each with its own key (identity_key).
create table identity_log (
    seq                  bigint primary key,
    space                text        not null,
    kind                 text        not null,
    profile_id           text        not null,
    absorbed_profile_ids text        not null default '',
    split_profile_ids    text        not null default '',
    identifiers          text        not null,
    rule                 text        not null,
    message_id           text        not null default '',
    source_id            text        not null default '',
    actor                text        not null default '',
    note                 text        not null default '',
    occurred_at          timestamptz not null,
    recorded_at          timestamptz not null,
    hold_id              text        not null default ''
);
create index identity_log_space_seq on identity_log (space, seq);

-- Which profiles an entry concerns (profile_id, absorbed and split ids), for ExplainProfile.
create table identity_log_profile (
    id         bigserial primary key,
    seq        bigint not null,
    profile_id text   not null
);
create index identity_log_profile_by_profile on identity_log_profile (profile_id, seq);

-- One encryption key per identifier (by keyed hash). Erasure deletes the row: the log stays, unreadable.
create table identity_key (
    hash       text primary key,
    key_bytes  bytea       not null,
    created_at timestamptz not null default now()
);

-- The current graph, as decided: which profile each identifier is in. Derived from the log in the same
-- transaction; decisions read it under the space lock.
create table identity_node (
    id          text primary key, -- space|hash
    space       text        not null,
    hash        text        not null,
    namespace   text        not null,
    cipher      text        not null,
    profile_id  text        not null,
    ambiguous   boolean     not null default false,
    linked_at   timestamptz not null
);
create index identity_node_by_profile on identity_node (space, profile_id);

-- Link evidence: identifiers seen together, with the entry that linked them (0: seen together inside one
-- profile already). Splits and unmerges cut the graph along it.
create table identity_edge (
    id    bigserial primary key,
    space text   not null,
    a     text   not null,
    b     text   not null,
    seq   bigint not null,
    unique (space, a, b, seq)
);
create index identity_edge_a on identity_edge (space, a);
create index identity_edge_b on identity_edge (space, b);

-- Merges held for review.
create table identity_hold (
    hold_id     text primary key,
    space       text        not null,
    seq         bigint      not null,
    status      text        not null,
    identifiers text        not null,
    held_at     timestamptz not null
);
create index identity_hold_pending on identity_hold (space, status, seq);

-- One row per space: the lock that serializes its writers, and how far its outbox has been published.
create table identity_space (
    space         text primary key,
    published_seq bigint not null default 0
);

-- Events already applied (source, messageId): a redelivered record changes nothing. `position` is the
-- order in which events were decided (under the space lock), so any run can be replayed serially.
create table identity_message_seen (
    position   bigserial,
    space      text not null,
    source_id  text not null,
    message_id text not null,
    primary key (space, source_id, message_id)
);

-- Erasures done, so that a repeated EraseSubject answers the first call's result.
create table identity_erasure (
    request_id     text primary key,
    space          text   not null,
    seq            bigint not null,
    profile_ids    text   not null,
    keys_destroyed int    not null
);
