package sqldb

// nameColumns selects the full name and username of the user whose id is
// in the column id (” and ” when it names none), of the account in the
// column account: whoever may see a row may see who acted on it (SPEC §9
// Wave-2 details 1), even a user outside their department. The columns
// are qualified, since users has an account_id of its own.
func nameColumns(id, account string) string {
	where := ` FROM users n WHERE n.id = ` + id + ` AND n.account_id = ` + account + `)`
	return `COALESCE((SELECT n.full_name` + where + `, ''), COALESCE((SELECT n.username` + where + `, '')`
}
