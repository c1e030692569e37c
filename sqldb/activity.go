package sqldb

import "portail"

// logActivity writes an entry in the transaction of the change it
// describes, so that the log never claims a change that was rolled back
// nor misses one that was committed.
func logActivity(tx *Tx, c portail.Caller, accountID, userID int64, typ portail.ActivityType, detail string) error {
	return insertActivity(tx, portail.Activity{
		AccountID: accountID, At: tx.now, UserID: userID, ActorID: c.Actor.UserID,
		Type: typ, Detail: detail, IP: c.IP, UserAgent: c.UserAgent,
	})
}

func insertActivity(tx *Tx, e portail.Activity) error {
	_, err := tx.exec(`INSERT INTO activity (account_id, at, user_id, actor_id, type, detail, ip, user_agent, started_at, ended_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.AccountID, micros(e.At), nullID(e.UserID), nullID(e.ActorID), string(e.Type), e.Detail, e.IP, e.UserAgent,
		nullMicros(e.StartedAt), nullMicros(e.EndedAt))
	return err
}
