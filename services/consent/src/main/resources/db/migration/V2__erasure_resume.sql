-- An erasure request interrupted by a restart (or one whose steps failed) must be resumable, which needs the
-- identifier it names. It is kept only until the request is DONE, then cleared: the trail keeps the hash.
alter table erasure_request add column pending_subject text;
-- When an instance last took the request on: another instance resumes it only once this is stale.
alter table erasure_request add column claimed_at timestamptz;
update erasure_request set claimed_at = requested_at;
