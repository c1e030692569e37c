-- Labels start from defaults rather than a blank form (issue 17):
-- the account's country, which a recipient's and a sender's country default
-- to (SPEC D5: Belgium by default), and a department's default sender, an
-- address as a label stores it (JSON), null while the department has none
-- (SPEC §9 Wave-2 details 6). The letter defaults of that detail get a
-- column of their own beside it.
ALTER TABLE accounts ADD COLUMN country TEXT NOT NULL DEFAULT 'BE';
ALTER TABLE departments ADD COLUMN default_sender TEXT;
