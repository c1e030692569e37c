-- Sessions in sight (C12): an API key shows where it was last used from,
-- as a session does (0001). Written with last_used_at, at most once a
-- minute per key (sqldb/credentials.go AuthenticateAPIKey).
ALTER TABLE api_keys ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
-- A user's sessions newest first: the last sign-in shown on the profile
-- is the session before the current one (sqldb/sessions.go LastSignIn).
CREATE INDEX sessions_user ON sessions (user_id, id);
