-- Documents sent to be printed and posted (D1). The content lives in the
-- blob store under blob_key; the row holds what lists and reports need.
CREATE TABLE documents (
	id            ID PRIMARY KEY,
	account_id    ID      NOT NULL REFERENCES accounts (id),
	department_id ID      NOT NULL,
	module        TEXT    NOT NULL CHECK (module IN ('mail', 'classic')),
	sender_id     ID      NOT NULL REFERENCES users (id),
	name          TEXT    NOT NULL,
	size          BIGINT  NOT NULL CHECK (size > 0),
	blob_key      TEXT    NOT NULL,
	status        TEXT    NOT NULL CHECK (status IN ('received', 'processing', 'printed', 'posted', 'failed')),
	created_at    BIGINT  NOT NULL,
	updated_at    BIGINT  NOT NULL,
	-- A document's department belongs to its account (T1), enforced here.
	FOREIGN KEY (department_id, account_id) REFERENCES departments (id, account_id)
);
-- Lists are read newest first in the caller's scope: the account (admins),
-- a department (department admins, viewers) or a sender (operators). The
-- reports read the same indexes by creation time.
CREATE INDEX documents_account_list ON documents (account_id, created_at, id);
CREATE INDEX documents_department_list ON documents (department_id, created_at, id);
CREATE INDEX documents_sender_list ON documents (sender_id, created_at, id);
-- The processing looks for what has waited longest in each status.
CREATE INDEX documents_waiting ON documents (status, updated_at);

-- Parcel labels (D2). Addresses are JSON objects of the API's shape.
CREATE TABLE labels (
	id              ID PRIMARY KEY,
	account_id      ID      NOT NULL REFERENCES accounts (id),
	department_id   ID      NOT NULL,
	creator_id      ID      NOT NULL REFERENCES users (id),
	tracking_number TEXT    NOT NULL UNIQUE,
	sender          TEXT    NOT NULL,
	recipient       TEXT    NOT NULL,
	weight_grams    INTEGER NOT NULL CHECK (weight_grams > 0),
	status          TEXT    NOT NULL CHECK (status IN ('created', 'in_transit', 'delivered', 'returned')),
	pdf_key         TEXT    NOT NULL,
	created_at      BIGINT  NOT NULL,
	updated_at      BIGINT  NOT NULL,
	FOREIGN KEY (department_id, account_id) REFERENCES departments (id, account_id)
);
CREATE INDEX labels_account_list ON labels (account_id, created_at, id);
CREATE INDEX labels_department_list ON labels (department_id, created_at, id);
CREATE INDEX labels_creator_list ON labels (creator_id, created_at, id);
CREATE INDEX labels_waiting ON labels (status, updated_at);

-- Counters handed out under a row lock: the serials of S10 tracking
-- numbers, unique across the installation.
CREATE TABLE counters (
	name  TEXT   PRIMARY KEY,
	value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('s10_serial', 0);
