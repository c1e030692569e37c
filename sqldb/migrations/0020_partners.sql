-- Print partners (D9): programs outside portail with an installation-level
-- key, kept hashed like API keys. A revoked partner keeps its row so that
-- the history lines naming it still read.
CREATE TABLE partners (
	id         ID PRIMARY KEY,
	name       TEXT   NOT NULL UNIQUE,
	key_hash   TEXT   NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT
);

-- Who claimed a letter (NULL while nobody holds it), since when, and the
-- last event it reported: a claim with no event for the claim timeout
-- goes back to received (Wave-2 details 8).
ALTER TABLE documents ADD COLUMN partner_id ID REFERENCES partners (id);
ALTER TABLE documents ADD COLUMN claimed_at BIGINT;
ALTER TABLE documents ADD COLUMN last_event_at BIGINT;
CREATE INDEX documents_claims ON documents (status, last_event_at);
