-- Each claim of an e-mail records its token (portail.Claim): renewals and
-- the outcome of a delivery are accepted only from the claim that holds
-- the row, so that a worker whose lease ran out cannot overwrite the work
-- of the one that took the e-mail over.
ALTER TABLE outbox ADD COLUMN claim_token TEXT;

-- The purge job (retention.go) deletes by age, in batches: each kind of
-- row past its retention is found through an index, not a full scan.
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_ended ON sessions (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX user_tokens_expires ON user_tokens (expires_at);
CREATE INDEX user_tokens_used ON user_tokens (used_at) WHERE used_at IS NOT NULL;
CREATE INDEX login_throttle_updated ON login_throttle (updated_at);
CREATE INDEX known_devices_used ON known_devices (last_used_at);
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
