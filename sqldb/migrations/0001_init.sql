-- Times are microseconds since the Unix epoch (BIGINT) on both databases.
-- *_key columns hold the trimmed, case-folded form that uniqueness is
-- enforced on (U2): the database, not only the code, refuses duplicates.

CREATE TABLE accounts (
	id            ID PRIMARY KEY,
	name          TEXT    NOT NULL,
	plan          TEXT    NOT NULL CHECK (plan IN ('starter','bronze','silver','gold','platinum','enterprise')),
	trial_ends_at BIGINT,
	extra_seats   INTEGER NOT NULL DEFAULT 0 CHECK (extra_seats >= 0),
	modules       INTEGER NOT NULL,
	onboarding    TEXT    NOT NULL DEFAULT 'invitation' CHECK (onboarding IN ('invitation','temporary_password')),
	created_at    BIGINT  NOT NULL
);

CREATE TABLE departments (
	id         ID PRIMARY KEY,
	account_id ID      NOT NULL REFERENCES accounts (id),
	name       TEXT    NOT NULL,
	name_key   TEXT    NOT NULL,
	created_at BIGINT  NOT NULL,
	UNIQUE (account_id, name_key),
	UNIQUE (id, account_id)
);

CREATE TABLE users (
	id                       ID PRIMARY KEY,
	account_id               ID      NOT NULL REFERENCES accounts (id),
	username                 TEXT    NOT NULL,
	username_key             TEXT    NOT NULL,
	full_name                TEXT    NOT NULL,
	email                    TEXT    NOT NULL,
	email_key                TEXT    NOT NULL,
	role                     TEXT    NOT NULL CHECK (role IN ('viewer','operator','department_admin','admin')),
	department_id            ID,
	modules                  INTEGER NOT NULL DEFAULT 0,
	status                   TEXT    NOT NULL CHECK (status IN ('invited','active','inactive')),
	language                 TEXT    NOT NULL DEFAULT 'fr',
	password_hash            TEXT,
	password_change_required BOOLEAN NOT NULL DEFAULT FALSE,
	created_at               BIGINT  NOT NULL,
	updated_at               BIGINT  NOT NULL,
	last_login_at            BIGINT,
	-- A user's department belongs to the user's account (T1), enforced here.
	FOREIGN KEY (department_id, account_id) REFERENCES departments (id, account_id),
	CHECK ((role = 'admin') = (department_id IS NULL))
);
CREATE UNIQUE INDEX users_username_key ON users (username_key);
CREATE UNIQUE INDEX users_email_key ON users (email_key);
CREATE INDEX users_account_list ON users (account_id, username_key);
CREATE INDEX users_department_list ON users (department_id, username_key);

CREATE TABLE sessions (
	id           ID PRIMARY KEY,
	user_id      ID      NOT NULL REFERENCES users (id),
	token_hash   TEXT    NOT NULL UNIQUE,
	created_at   BIGINT  NOT NULL,
	last_seen_at BIGINT  NOT NULL,
	expires_at   BIGINT  NOT NULL,
	ended_at     BIGINT,
	end_reason   TEXT,
	ip           TEXT    NOT NULL DEFAULT '',
	user_agent   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_live ON sessions (user_id) WHERE ended_at IS NULL;

CREATE TABLE activity (
	id         ID PRIMARY KEY,
	account_id ID      NOT NULL,
	at         BIGINT  NOT NULL,
	user_id    ID,
	actor_id   ID,
	type       TEXT    NOT NULL,
	detail     TEXT    NOT NULL DEFAULT '',
	ip         TEXT    NOT NULL DEFAULT '',
	user_agent TEXT    NOT NULL DEFAULT '',
	started_at BIGINT,
	ended_at   BIGINT
);
CREATE INDEX activity_account_at ON activity (account_id, at);
CREATE INDEX activity_user_at ON activity (user_id, at);

-- The one-time link that the first `portail serve` prints (first run).
CREATE TABLE setup_tokens (
	token_hash TEXT   PRIMARY KEY,
	expires_at BIGINT NOT NULL
);
