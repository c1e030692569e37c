-- Usernames and e-mail addresses are keyed by portail.NormalizeKey: NFKC,
-- full case folding, invisible characters dropped and the e-mail domain in
-- its IDNA ASCII form, so that look-alikes such as "ａｄｍｉｎ" and "admin"
-- are one key (U2). SQL cannot compute that key: the Go step registered
-- for this version (goMigrations, sqldb/identity.go) re-keys every user
-- right after this file, in the same transaction.
SELECT 1;
