-- Each entry keeps the department its user was in when it was written, so
-- that a department admin sees what happened in their department: a user
-- who moves takes no history from the old department to the new one's
-- admin (L3). No index: a department's page walks activity_account_at
-- newest first and keeps the department's entries.
ALTER TABLE activity ADD COLUMN department_id BIGINT;
UPDATE activity SET department_id = (SELECT department_id FROM users WHERE users.id = activity.user_id)
	WHERE user_id IS NOT NULL;
