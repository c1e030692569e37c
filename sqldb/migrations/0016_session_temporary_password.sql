-- The sign-in that typed a temporary password lets its session replace it
-- without typing it again, until this time (C2, portail.TemporaryPasswordGrace).
ALTER TABLE sessions ADD COLUMN temporary_password_typed_until BIGINT;
