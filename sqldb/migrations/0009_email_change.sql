-- A change of one's own e-mail address waits for a link sent to the new
-- address (SPEC §9 Wave-2 details 15): a third kind of link, which carries
-- the address it confirms.
ALTER TABLE user_tokens ADD COLUMN email TEXT;
ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_kind_check;
ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_kind_check CHECK (kind IN ('invitation', 'reset', 'email'));
ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_email_check CHECK ((kind = 'email') = (email IS NOT NULL));
