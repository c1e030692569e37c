-- Passkeys (WebAuthn, C11). A passkey is a second factor: its row in
-- mfa_factors (migration 0022, kind webauthn) holds its name, creation and
-- last use, and counts for "has a second factor"; this row holds what
-- only a passkey needs, and goes with its factor (a reset, a removal).
-- The credential id (base64url, as the browser names it) is unique in the
-- installation, so that an assertion names its user; the library's
-- credential record (public key, flags, attestation) is kept whole as
-- JSON, the sign count beside it so that a regression can be refused by
-- a compare-and-set. user_handle is the random WebAuthn user id the
-- authenticator keeps for a discoverable sign-in (never the user's row id).
CREATE TABLE passkeys (
	id            ID PRIMARY KEY,
	factor_id     ID      NOT NULL UNIQUE REFERENCES mfa_factors (id) ON DELETE CASCADE,
	user_id       ID      NOT NULL REFERENCES users (id),
	credential_id TEXT    NOT NULL UNIQUE,
	user_handle   TEXT    NOT NULL,
	credential    TEXT    NOT NULL,
	sign_count    BIGINT  NOT NULL DEFAULT 0,
	transports    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX passkeys_user ON passkeys (user_id, id);

-- A ceremony under way (registration, second step, passwordless sign-in):
-- the library's session data, keyed by the SHA-256 of its challenge,
-- which the client signs back inside clientDataJSON. Single use (deleted
-- when answered), five minutes of life, purged when expired. user_id is
-- NULL for a passwordless sign-in, whose count is capped.
CREATE TABLE passkey_ceremonies (
	id             ID PRIMARY KEY,
	challenge_hash TEXT   NOT NULL UNIQUE,
	kind           TEXT   NOT NULL,
	user_id        ID     REFERENCES users (id),
	name           TEXT   NOT NULL DEFAULT '',
	session        TEXT   NOT NULL,
	created_at     BIGINT NOT NULL,
	expires_at     BIGINT NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);
CREATE INDEX passkey_ceremonies_anonymous ON passkey_ceremonies (user_id, expires_at);
