package sqldb

import (
	"crypto/rand"
	"database/sql"
	"strings"
	"time"

	"portail"
)

// claimQueue is a table of work items that workers claim (portail.Claim):
// every such table has an id, a claim_token TEXT and a claimed_until
// BIGINT column. The value is the table's name, always a constant of the
// code. Each queue chooses which of its rows are due; the claim, its
// renewal and the settling of an item are the same for all.
type claimQueue string

// claimFree is the condition of the rows no claim holds any more; it
// takes the transaction's now as its one argument.
const claimFree = `(claimed_until IS NULL OR claimed_until < ?)`

// skipLocked ends the SELECT of due rows: on PostgreSQL, FOR UPDATE SKIP
// LOCKED lets several processes claim side by side without ever taking
// the same row; on SQLite the one writer serialises claims.
func skipLocked(tx *Tx) string {
	if tx.pg {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// claim gives the rows ids, selected due and free in this transaction, to
// a new claim running out ttl from now: a fresh token, recorded on every
// row, fences this claimant from any later one. set adds assignments
// (like "attempts = attempts + 1").
func (q claimQueue) claim(tx *Tx, ids []int64, ttl time.Duration, set string) (portail.Claim, error) {
	c := portail.Claim{Token: rand.Text(), Until: tx.now.Add(ttl)}
	if len(ids) == 0 {
		return c, nil
	}
	if set != "" {
		set = ", " + set
	}
	// The ids are parameters, as many as the next power of two (the last
	// one repeated): a few texts for every batch size, which the
	// connections keep prepared, where ids written into the text made a
	// new statement for every claim.
	n := 1
	for n < len(ids) {
		n *= 2
	}
	args := []any{c.Token, micros(c.Until)}
	for i := range n {
		args = append(args, ids[min(i, len(ids)-1)])
	}
	_, err := tx.exec(`UPDATE `+string(q)+` SET claim_token = ?, claimed_until = ?`+set+
		` WHERE id IN (?`+strings.Repeat(", ?", n-1)+`)`, args...)
	return c, err
}

// renew extends the claim c on row id to ttl from now, if the row still
// holds c's token; ErrClaimLost otherwise. A worker renews before each
// long step, so that the claim outlasts the step.
func (q claimQueue) renew(tx *Tx, id int64, c *portail.Claim, ttl time.Duration) error {
	until := tx.now.Add(ttl)
	res, err := tx.exec(`UPDATE `+string(q)+` SET claimed_until = ? WHERE id = ? AND claim_token = ?`, micros(until), id, c.Token)
	if err := claimHeld(res, err); err != nil {
		return err
	}
	c.Until = until
	return nil
}

// settle applies set (assignments, with their args) to row id and ends
// the claim c, if the row still holds c's token; ErrClaimLost otherwise,
// and then nothing changed. It is how a worker records the outcome of
// its item: whoever claimed the item since owns that outcome.
func (q claimQueue) settle(tx *Tx, id int64, c portail.Claim, set string, args ...any) error {
	if c.Token == "" {
		return portail.ErrClaimLost
	}
	res, err := tx.exec(`UPDATE `+string(q)+` SET `+set+`, claim_token = NULL, claimed_until = NULL WHERE id = ? AND claim_token = ?`,
		append(args, id, c.Token)...)
	return claimHeld(res, err)
}

func claimHeld(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return portail.ErrClaimLost
	}
	return nil
}
