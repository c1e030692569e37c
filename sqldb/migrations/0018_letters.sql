-- Letters for real (SPEC D4–D8): a document keeps what its preflight read
-- (inspection, JSON: pages, problems, the text of both windows' zones, so
-- a change of options is judged again without reading the file), what
-- that makes of it with its options (pages, sheets, recipient, problems,
-- price), and the moments of its wait. Documents stored before keep
-- their status and get no price (price_cents null); a received one counts
-- as accepted at this migration (SPEC §9 Wave-2 details 2), with the
-- default window of 15 minutes already over by the time anyone looks.
ALTER TABLE documents DROP CONSTRAINT documents_status_check;
ALTER TABLE documents ADD CONSTRAINT documents_status_check CHECK (status IN ('action_required', 'received', 'processing',
	'printed', 'posted', 'failed', 'cancelled', 'returned'));
ALTER TABLE documents ADD COLUMN inspection TEXT;
ALTER TABLE documents ADD COLUMN pages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN sheets INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN options TEXT NOT NULL DEFAULT '{"color":false,"duplex":true,"postage":"non_prior","registered":false,"window":"right"}';
ALTER TABLE documents ADD COLUMN recipient TEXT;
ALTER TABLE documents ADD COLUMN recipient_typed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE documents ADD COLUMN problems TEXT NOT NULL DEFAULT '[]';
ALTER TABLE documents ADD COLUMN price_cents BIGINT;
ALTER TABLE documents ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';
ALTER TABLE documents ADD COLUMN accepted_at BIGINT;
ALTER TABLE documents ADD COLUMN send_at BIGINT;
ALTER TABLE documents ADD COLUMN cancel_until BIGINT;
ALTER TABLE documents ADD COLUMN tracking_number TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN failure_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN return_reason TEXT NOT NULL DEFAULT '';
-- Bumped by every change that alters a proof (a new file, another
-- window, other problems, another typed recipient): the cache below is
-- keyed by it, so an old proof is never shown for a new letter.
ALTER TABLE documents ADD COLUMN proof_version INTEGER NOT NULL DEFAULT 0;
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
