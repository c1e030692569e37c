-- Letters for real (SPEC D4–D8): a document keeps what its preflight read
-- (inspection, JSON: pages, problems, the text of both windows' zones, so
-- a change of options is judged again without reading the file), what
-- that makes of it with its options (pages, sheets, recipient, problems,
-- price), and the moments of its wait. Documents stored before keep
-- their status and get no price (price_cents null); a received one counts
-- as accepted at this migration (SPEC §9 Wave-2 details 2), with the
-- default window of 15 minutes already over by the time anyone looks.
-- SQLite cannot change a CHECK constraint: the table is rebuilt with every
-- column and index it had, and the new ones.
CREATE TABLE documents_new (
	id            INTEGER PRIMARY KEY,
	account_id    INTEGER NOT NULL REFERENCES accounts (id),
	department_id INTEGER NOT NULL,
	module        TEXT    NOT NULL CHECK (module IN ('mail', 'classic')),
	sender_id     INTEGER NOT NULL REFERENCES users (id),
	name          TEXT    NOT NULL,
	size          BIGINT  NOT NULL CHECK (size > 0),
	blob_key      TEXT    NOT NULL,
	status        TEXT    NOT NULL CHECK (status IN ('action_required', 'received', 'processing',
		'printed', 'posted', 'failed', 'cancelled', 'returned')),
	created_at    BIGINT  NOT NULL,
	updated_at    BIGINT  NOT NULL,
	inspection      TEXT,
	pages           INTEGER NOT NULL DEFAULT 0,
	sheets          INTEGER NOT NULL DEFAULT 0,
	options         TEXT    NOT NULL DEFAULT '{"color":false,"duplex":true,"postage":"non_prior","registered":false,"window":"right"}',
	recipient       TEXT,
	recipient_typed BOOLEAN NOT NULL DEFAULT FALSE,
	problems        TEXT    NOT NULL DEFAULT '[]',
	price_cents     BIGINT,
	currency        TEXT    NOT NULL DEFAULT 'EUR',
	accepted_at     BIGINT,
	send_at         BIGINT,
	cancel_until    BIGINT,
	tracking_number TEXT    NOT NULL DEFAULT '',
	failure_reason  TEXT    NOT NULL DEFAULT '',
	return_reason   TEXT    NOT NULL DEFAULT '',
	proof_version   INTEGER NOT NULL DEFAULT 0,
	FOREIGN KEY (department_id, account_id) REFERENCES departments (id, account_id)
);
INSERT INTO documents_new (id, account_id, department_id, module, sender_id, name, size, blob_key, status, created_at, updated_at)
	SELECT id, account_id, department_id, module, sender_id, name, size, blob_key, status, created_at, updated_at FROM documents;
DROP TABLE documents;
ALTER TABLE documents_new RENAME TO documents;
CREATE INDEX documents_account_list ON documents (account_id, created_at, id);
CREATE INDEX documents_department_list ON documents (department_id, created_at, id);
CREATE INDEX documents_sender_list ON documents (sender_id, created_at, id);
CREATE INDEX documents_waiting ON documents (status, updated_at);
UPDATE documents SET accepted_at = updated_at, cancel_until = updated_at WHERE status = 'received';
-- Print partners (and the simulator) take the received letters whose
-- wait is over, oldest deadline first.
CREATE INDEX documents_due ON documents (status, cancel_until);

-- Proofs rendered once (D8): the PNG lives in the blob store.
CREATE TABLE document_proofs (
	document_id ID      NOT NULL,
	version     INTEGER NOT NULL,
	page        INTEGER NOT NULL,
	blob_key    TEXT    NOT NULL,
	created_at  BIGINT  NOT NULL,
	PRIMARY KEY (document_id, version, page)
);

-- An account's letter settings (GET, PUT /account/settings); its country
-- came with the labels (0017).
ALTER TABLE accounts ADD COLUMN letter_cancellation_minutes INTEGER NOT NULL DEFAULT 15
	CHECK (letter_cancellation_minutes BETWEEN 0 AND 1440);
-- A department's letter defaults, the options as JSON; null: the
-- installation's defaults (SPEC §9 Wave-2 details 6).
ALTER TABLE departments ADD COLUMN letter_defaults TEXT;
