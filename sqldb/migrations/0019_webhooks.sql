-- Webhooks (D10). An endpoint of an account; its signing secret is sealed
-- with the installation's key (secret package, Wave-2 details 12): the
-- database alone does not let anyone sign.
CREATE TABLE webhooks (
	id              ID PRIMARY KEY,
	account_id      ID      NOT NULL REFERENCES accounts (id),
	url             TEXT    NOT NULL,
	events          TEXT    NOT NULL, -- JSON array of event types
	secret          TEXT    NOT NULL,
	enabled         BOOLEAN NOT NULL DEFAULT TRUE,
	disabled_reason TEXT    NOT NULL DEFAULT '',
	-- Since when every attempt failed (no 2xx since); NULL while healthy.
	-- A day of it disables the endpoint.
	failing_since   BIGINT,
	created_at      BIGINT  NOT NULL
);
CREATE INDEX webhooks_account ON webhooks (account_id, id);

-- An event, written in the transaction of the change that caused it; its
-- id is the Portail-Event-Id receivers deduplicate on.
CREATE TABLE webhook_events (
	id         TEXT   PRIMARY KEY,
	account_id ID     NOT NULL REFERENCES accounts (id),
	type       TEXT   NOT NULL,
	payload    TEXT   NOT NULL, -- the data, JSON
	created_at BIGINT NOT NULL
);

-- One event for one endpoint: a queue of the claimQueue kind (claim_token,
-- claimed_until), due at next_at while neither delivered nor given up.
CREATE TABLE webhook_deliveries (
	id               ID PRIMARY KEY,
	webhook_id       ID      NOT NULL REFERENCES webhooks (id),
	event_id         TEXT    NOT NULL REFERENCES webhook_events (id),
	attempts         INTEGER NOT NULL DEFAULT 0,
	next_at          BIGINT,
	claim_token      TEXT,
	claimed_until    BIGINT,
	last_status_code INTEGER NOT NULL DEFAULT 0,
	last_error       TEXT    NOT NULL DEFAULT '',
	delivered_at     BIGINT,
	given_up         BOOLEAN NOT NULL DEFAULT FALSE,
	created_at       BIGINT  NOT NULL,
	UNIQUE (webhook_id, event_id)
);
-- Workers look for what is due; NULL next_at is settled.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE next_at IS NOT NULL;

-- The delivery log: one row per attempt.
CREATE TABLE webhook_attempts (
	id          ID PRIMARY KEY,
	delivery_id ID      NOT NULL REFERENCES webhook_deliveries (id),
	webhook_id  ID      NOT NULL REFERENCES webhooks (id),
	attempt     INTEGER NOT NULL,
	status_code INTEGER NOT NULL DEFAULT 0,
	error       TEXT    NOT NULL DEFAULT '',
	at          BIGINT  NOT NULL
);
CREATE INDEX webhook_attempts_log ON webhook_attempts (webhook_id, id);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
