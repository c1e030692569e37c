-- Browsers a user has signed in from (C7): a sign-in from one of them is
-- not held back by the lock that failed guesses put on the user's name,
-- so an attacker cannot keep a real user out. Only hashes are stored.
CREATE TABLE known_devices (
	user_id      ID      NOT NULL REFERENCES users (id),
	token_hash   TEXT    NOT NULL,
	created_at   BIGINT  NOT NULL,
	last_used_at BIGINT  NOT NULL,
	PRIMARY KEY (user_id, token_hash)
);
