-- Invitation and reset links (C1, C3–C5). Only hashes are stored: the
-- token travels in the e-mail's link, the recovery code in its text.
CREATE TABLE user_tokens (
	id         ID PRIMARY KEY,
	user_id    ID      NOT NULL REFERENCES users (id),
	kind       TEXT    NOT NULL CHECK (kind IN ('invitation', 'reset')),
	token_hash TEXT    NOT NULL UNIQUE,
	code_hash  TEXT,
	attempts   INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT  NOT NULL,
	expires_at BIGINT  NOT NULL,
	used_at    BIGINT
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, kind);

-- Personal API keys (C9).
CREATE TABLE api_keys (
	id           ID PRIMARY KEY,
	user_id      ID      NOT NULL REFERENCES users (id),
	name         TEXT    NOT NULL,
	key_hash     TEXT    NOT NULL UNIQUE,
	prefix       TEXT    NOT NULL,
	created_at   BIGINT  NOT NULL,
	last_used_at BIGINT,
	revoked_at   BIGINT
);
CREATE INDEX api_keys_user ON api_keys (user_id);

-- Failed sign-ins per login name and per client address, in the database
-- so that every serve process sees the same counters.
CREATE TABLE login_throttle (
	key          TEXT    PRIMARY KEY,
	failures     INTEGER NOT NULL,
	locked_until BIGINT  NOT NULL,
	updated_at   BIGINT  NOT NULL
);

-- E-mails, written in the transaction of the change that causes them (C8)
-- and delivered by a worker. Secrets (links, codes, temporary passwords)
-- live in params until delivery, then are erased.
CREATE TABLE outbox (
	id              ID PRIMARY KEY,
	account_id      ID,
	user_id         ID,
	to_addr         TEXT    NOT NULL,
	template        TEXT    NOT NULL,
	language        TEXT    NOT NULL,
	params          TEXT    NOT NULL,
	status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT  NOT NULL,
	claimed_until   BIGINT,
	last_error      TEXT    NOT NULL DEFAULT '',
	created_at      BIGINT  NOT NULL,
	sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_account ON outbox (account_id, id);
