-- The activity log is read newest first, by account or by user, within a
-- date range (L3): both indexes end in (at, id), the order of every page.
DROP INDEX activity_account_at;
DROP INDEX activity_user_at;
CREATE INDEX activity_account_at ON activity (account_id, at, id);
CREATE INDEX activity_user_at ON activity (user_id, at, id);

-- The detail history of each document and label (L4): who changed what,
-- and whether a user (actor_id) or the system (NULL) did it.
CREATE TABLE history (
	id           ID PRIMARY KEY,
	account_id   ID      NOT NULL REFERENCES accounts (id),
	subject_kind TEXT    NOT NULL CHECK (subject_kind IN ('document', 'label')),
	subject_id   ID      NOT NULL,
	at           BIGINT  NOT NULL,
	actor_id     ID      REFERENCES users (id),
	change       TEXT    NOT NULL,
	from_value   TEXT    NOT NULL DEFAULT '',
	to_value     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX history_subject ON history (subject_kind, subject_id, id);

-- Leases that make a background job run in one process at a time.
CREATE TABLE job_leases (
	name       TEXT   PRIMARY KEY,
	holder     TEXT   NOT NULL,
	expires_at BIGINT NOT NULL
);

-- The retention job deletes by age across accounts (L2).
CREATE INDEX activity_at ON activity (at);
