-- SCIM 2.0 provisioning (C14, SPEC §9 Wave-2 details 14). A token belongs
-- to one account and is kept hashed like an API key; a revoked one keeps
-- its row, so that the activity entries naming it still read. Its
-- defaults are the access of a user the directory creates without
-- portail's extension: never admin.
CREATE TABLE scim_tokens (
	id                    ID PRIMARY KEY,
	account_id            ID      NOT NULL REFERENCES accounts (id),
	name                  TEXT    NOT NULL,
	token_hash            TEXT    NOT NULL UNIQUE,
	default_role          TEXT    NOT NULL CHECK (default_role IN ('viewer','operator','department_admin')),
	default_department_id ID      NOT NULL,
	default_modules       INTEGER NOT NULL DEFAULT 0,
	created_at            BIGINT  NOT NULL,
	last_used_at          BIGINT,
	revoked_at            BIGINT,
	FOREIGN KEY (default_department_id, account_id) REFERENCES departments (id, account_id)
);
CREATE INDEX scim_tokens_account ON scim_tokens (account_id, created_at);

-- What SCIM says of a user that portail does not otherwise keep: the
-- directory's own id and the parts of the name (the full name is the
-- user's). A user never provisioned has no row.
CREATE TABLE scim_users (
	user_id     ID   PRIMARY KEY REFERENCES users (id),
	external_id TEXT NOT NULL DEFAULT '',
	given_name  TEXT NOT NULL DEFAULT '',
	family_name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scim_users_external ON scim_users (external_id);

-- The directory's own id of a group (a department).
CREATE TABLE scim_groups (
	department_id ID   PRIMARY KEY REFERENCES departments (id),
	external_id   TEXT NOT NULL DEFAULT ''
);

-- An activity entry by no user names who made it (SPEC §9 Wave-2 details
-- 1), as history lines do (migration 0014): 'scim:NAME' for a SCIM token.
ALTER TABLE activity ADD COLUMN actor_system TEXT NOT NULL DEFAULT '';
