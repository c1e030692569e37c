-- Single sign-on per account (C13): the account's OpenID Connect provider.
-- The client secret is sealed with the installation's key (package secret,
-- Wave-2 details 12). Just-in-time creation is on while jit_role is set.
CREATE TABLE sso_connections (
	account_id        ID      NOT NULL REFERENCES accounts (id),
	issuer            TEXT    NOT NULL,
	client_id         TEXT    NOT NULL,
	client_secret     TEXT    NOT NULL,
	required          BOOLEAN NOT NULL DEFAULT FALSE,
	jit_department_id ID,
	jit_role          TEXT CHECK (jit_role IN ('viewer','operator','department_admin')),
	jit_modules       INTEGER NOT NULL DEFAULT 0,
	created_at        BIGINT  NOT NULL,
	updated_at        BIGINT  NOT NULL,
	PRIMARY KEY (account_id),
	FOREIGN KEY (jit_department_id, account_id) REFERENCES departments (id, account_id)
);

-- A claimed e-mail domain belongs to one account of the installation: the
-- primary key says so under any concurrency. The domain is in the form
-- users' email_key ends with (lowercase, IDNA ASCII).
CREATE TABLE sso_domains (
	domain     TEXT   NOT NULL,
	account_id ID     NOT NULL REFERENCES accounts (id),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (domain)
);
CREATE INDEX sso_domains_account ON sso_domains (account_id);

-- A sign-in under way at the provider: kept in the database, not in a
-- process, since the callback may reach another serve process. The state
-- and the nonce are kept hashed, the PKCE verifier sealed; a flow is used
-- once (used_at) and lives minutes (expires_at).
CREATE TABLE sso_flows (
	id         ID PRIMARY KEY,
	account_id ID     NOT NULL REFERENCES accounts (id),
	state_hash TEXT   NOT NULL UNIQUE,
	nonce_hash TEXT   NOT NULL,
	verifier   TEXT   NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at    BIGINT
);
CREATE INDEX sso_flows_expiry ON sso_flows (expires_at);

-- Break-glass (portail users sso-bypass): until this moment the user may
-- sign in with a password although their account requires SSO.
ALTER TABLE users ADD COLUMN sso_bypass_until BIGINT;

-- A session an SSO callback started: the provider asked its second factor,
-- so portail asks none of it (Wave-2 details 11), whatever the account's
-- mfa_required says of its password sign-ins.
ALTER TABLE sessions ADD COLUMN sso BOOLEAN NOT NULL DEFAULT FALSE;
