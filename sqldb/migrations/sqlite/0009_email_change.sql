-- A change of one's own e-mail address waits for a link sent to the new
-- address (SPEC §9 Wave-2 details 15): a third kind of link, which carries
-- the address it confirms. SQLite cannot change a CHECK constraint, so the
-- table is rebuilt with every column and index it had.
CREATE TABLE user_tokens_new (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	kind       TEXT    NOT NULL CHECK (kind IN ('invitation', 'reset', 'email')),
	token_hash TEXT    NOT NULL UNIQUE,
	code_hash  TEXT,
	attempts   INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT  NOT NULL,
	expires_at BIGINT  NOT NULL,
	used_at    BIGINT,
	email      TEXT,
	CHECK ((kind = 'email') = (email IS NOT NULL))
);
INSERT INTO user_tokens_new (id, user_id, kind, token_hash, code_hash, attempts, created_at, expires_at, used_at)
	SELECT id, user_id, kind, token_hash, code_hash, attempts, created_at, expires_at, used_at FROM user_tokens;
DROP TABLE user_tokens;
ALTER TABLE user_tokens_new RENAME TO user_tokens;
CREATE INDEX user_tokens_user ON user_tokens (user_id, kind);
-- The purge's indexes of 0008 went with the old table.
CREATE INDEX user_tokens_expires ON user_tokens (expires_at);
CREATE INDEX user_tokens_used ON user_tokens (used_at) WHERE used_at IS NOT NULL;
