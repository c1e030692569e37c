package portail

import (
	"errors"
	"time"
)

// Claim is a worker's hold on one item of a work queue stored in the
// database: an outbox e-mail now, webhook deliveries and print-partner
// jobs next. Claims are how several serve processes share a queue: an
// item is claimed by one worker at a time, and a claim whose worker died
// runs out so that another can take the item.
//
// Running out is not the same as losing the item, so every claim carries a
// Token, new at each claim and recorded on the item's row: it fences the
// claimant. Renewing the claim, and settling the item (sent, failed, done),
// succeed only while the row still holds the claimant's token; once another
// worker has claimed the item they change nothing and answer ErrClaimLost.
// A claimant whose lease ran out but whom nobody replaced still holds the
// item, and may settle it: what it did is then recorded rather than
// redone.
type Claim struct {
	Token string
	// Until is when the claim runs out unless renewed.
	Until time.Time
}

// ErrClaimLost answers a renewal or settlement of an item that another
// worker has claimed since (or that is settled already): the item is not
// the caller's, who must leave it alone.
var ErrClaimLost = errors.New("claim lost: another worker holds the item")
