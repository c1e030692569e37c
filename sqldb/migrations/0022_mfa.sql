-- Second factors (C11). One row per factor of a user, whatever its kind:
-- "has a second factor" is one EXISTS over this table (sqldb/mfa.go
-- hasFactorSQL), GET /me/mfa lists it, and a kind keeps what only it
-- needs beside it (a TOTP's sealed secret and last step here; a passkey's
-- credential in a table of its own that names its factor row).
CREATE TABLE mfa_factors (
	id           ID PRIMARY KEY,
	user_id      ID     NOT NULL REFERENCES users (id),
	kind         TEXT   NOT NULL, -- totp | webauthn
	name         TEXT   NOT NULL DEFAULT '',
	-- TOTP: the base32 secret sealed with the installation's key (secret
	-- package, Wave-2 details 12); NULL for other kinds.
	secret       TEXT,
	-- TOTP: the last time step accepted, so that a code is accepted once.
	last_step    BIGINT NOT NULL DEFAULT 0,
	-- NULL while an enrolment waits for its first code; only confirmed
	-- factors count.
	confirmed_at BIGINT,
	created_at   BIGINT NOT NULL,
	last_used_at BIGINT
);
CREATE INDEX mfa_factors_user ON mfa_factors (user_id, id);

-- Recovery codes, single-use, made 10 at a time when the first factor is
-- added (or on request, the old ones dying). Each is an HMAC keyed by a
-- random key of its own sealed with the installation's key: the database
-- alone does not let anyone try the 2^40 codes offline.
CREATE TABLE mfa_recovery_codes (
	id         ID PRIMARY KEY,
	user_id    ID     NOT NULL REFERENCES users (id),
	code_hash  TEXT   NOT NULL,
	sealed_key TEXT   NOT NULL,
	created_at BIGINT NOT NULL,
	used_at    BIGINT
);
CREATE INDEX mfa_recovery_codes_user ON mfa_recovery_codes (user_id);

-- The token between the password step and the second step of a sign-in:
-- stored hashed, single-use, short-lived (portail.MFATokenLifetime),
-- killed by the portail.MaxMFAFailures-th wrong code. In the database so
-- that the second step may reach another serve process than the first.
CREATE TABLE mfa_tokens (
	id                 ID PRIMARY KEY,
	user_id            ID      NOT NULL REFERENCES users (id),
	token_hash         TEXT    NOT NULL UNIQUE,
	-- The password hash the first step checked: a reset in between kills
	-- the token as it kills sessions.
	password_hash      TEXT    NOT NULL,
	-- The first step typed the temporary password (C2's grace follows to
	-- the session).
	temporary_password BOOLEAN NOT NULL DEFAULT FALSE,
	failures           INTEGER NOT NULL DEFAULT 0,
	created_at         BIGINT  NOT NULL,
	expires_at         BIGINT  NOT NULL,
	used_at            BIGINT
);
CREATE INDEX mfa_tokens_user ON mfa_tokens (user_id);
CREATE INDEX mfa_tokens_expires ON mfa_tokens (expires_at);

-- Whom the account requires a second factor of: none | admins | everyone.
ALTER TABLE accounts ADD COLUMN mfa_required TEXT NOT NULL DEFAULT 'none';
