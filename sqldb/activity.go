package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"portail"
)

// logActivity writes an entry in the transaction of the change it
// describes, so that the log never claims a change that was rolled back
// nor misses one that was committed.
func logActivity(tx *Tx, c portail.Caller, accountID, userID int64, typ portail.ActivityType, detail portail.Detail) error {
	e := portail.Activity{
		AccountID: accountID, At: tx.now, UserID: userID, ActorID: c.Actor.UserID,
		Type: typ, Detail: detail.String(), IP: c.IP, UserAgent: truncate(c.UserAgent, 512),
	}
	if c.Actor.Provisioner != 0 && c.SCIM != nil {
		e.SCIMToken = c.SCIM.Name
	}
	return insertActivity(tx, e)
}

// scimActorPrefix marks an entry's actor_system (migration 0026) as a
// SCIM token's, followed by its name.
const scimActorPrefix = "scim:"

// An entry's department is its user's at the time of writing, read in the
// INSERT itself so that every writer records it the same way.
const (
	activityInsertColumns = `account_id, at, user_id, actor_id, type, detail, ip, user_agent, started_at, ended_at, department_id`
	activityInsertRow     = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT department_id FROM users WHERE id = ?))`
)

func insertActivity(tx *Tx, e portail.Activity) error {
	q := `INSERT INTO activity (` + activityInsertColumns + `) VALUES ` + activityInsertRow
	args := []any{e.AccountID, micros(e.At), nullID(e.UserID), nullID(e.ActorID), string(e.Type), e.Detail, e.IP, e.UserAgent,
		nullMicros(e.StartedAt), nullMicros(e.EndedAt), nullID(e.UserID)}
	if e.SCIMToken != "" {
		// Only a SCIM token's entries name a system actor (migration
		// 0026); the others leave the column to its default, as the
		// batched entries of RecordActivity (insertActivities) do.
		q = `INSERT INTO activity (` + activityInsertColumns + `, actor_system) VALUES ` + strings.TrimSuffix(activityInsertRow, ")") + `, ?)`
		args = append(args, scimActorPrefix+e.SCIMToken)
	}
	_, err := tx.exec(q, args...)
	return err
}

// ActivityService implements portail.ActivityService.
type ActivityService struct{ db *DB }

// NewActivityService returns the activity log of db.
func NewActivityService(db *DB) *ActivityService { return &ActivityService{db} }

var _ portail.ActivityService = (*ActivityService)(nil)

var activityColumns = `a.id, a.account_id, a.at, a.user_id, COALESCE(u.username, ''), a.actor_id, ` +
	nameColumns("a.actor_id", "a.account_id") + `, a.type, a.detail,
	a.ip, a.user_agent, a.started_at, a.ended_at, a.actor_system`

func scanActivity(row interface{ Scan(...any) error }) (*portail.Activity, error) {
	var e portail.Activity
	var at int64
	var user, actor, started, ended sql.NullInt64
	var typ, system string
	if err := row.Scan(&e.ID, &e.AccountID, &at, &user, &e.Username, &actor, &e.ActorName.FullName, &e.ActorName.Username, &typ, &e.Detail, &e.IP, &e.UserAgent, &started, &ended, &system); err != nil {
		return nil, err
	}
	e.SCIMToken, _ = strings.CutPrefix(system, scimActorPrefix)
	e.At, e.UserID, e.ActorID, e.Type = fromMicros(at), user.Int64, actor.Int64, portail.ActivityType(typ)
	e.StartedAt, e.EndedAt = timePtr(started), timePtr(ended)
	return &e, nil
}

// activityQuery builds the query of a page for the caller's scope.
func activityQuery(a portail.Actor, f portail.ActivityFilter, limit int) (string, []any, error) {
	scope := portail.ScopeFor(a, portail.ActViewActivity, 0)
	if scope.None {
		return "", nil, portail.ErrForbidden()
	}
	where, args := []string{"a.account_id = ?"}, []any{a.AccountID}
	if scope.DepartmentID != 0 {
		// The entries written while their user was in the department.
		// Walking activity_account_at newest first and keeping the
		// department's entries stops after the page (BENCHMARKS.md,
		// "Activity log").
		where, args = append(where, "a.department_id = ?"), append(args, scope.DepartmentID)
	}
	if scope.OwnerID != 0 {
		where, args = append(where, "a.user_id = ?"), append(args, scope.OwnerID)
	}
	if f.UserID != 0 {
		where, args = append(where, "a.user_id = ?"), append(args, f.UserID)
	}
	if f.Type != "" {
		where, args = append(where, "a.type = ?"), append(args, string(f.Type))
	}
	if f.From != nil {
		where, args = append(where, "a.at >= ?"), append(args, micros(*f.From))
	}
	if f.To != nil {
		where, args = append(where, "a.at < ?"), append(args, micros(*f.To))
	}
	if f.Cursor != "" {
		at, id, err := decodeTimeCursor(f.Cursor)
		if err != nil {
			return "", nil, err
		}
		where, args = append(where, "(a.at, a.id) < (?, ?)"), append(args, at, id)
	}
	return `SELECT ` + activityColumns + ` FROM activity a LEFT JOIN users u ON u.id = a.user_id WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY a.at DESC, a.id DESC LIMIT ` + strconv.Itoa(limit+1), args, nil
}

// ListActivity returns a page of the entries the caller may see, newest
// first. EINVALID.
func (s *ActivityService) ListActivity(ctx context.Context, f portail.ActivityFilter) ([]*portail.Activity, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	limit := f.Limit
	if limit == 0 {
		limit = portail.DefaultPageSize
	}
	q, args, err := activityQuery(portail.CallerFrom(ctx).Actor, f, limit)
	if err != nil {
		return nil, "", err
	}
	if err := s.db.awaitLate(ctx); err != nil {
		return nil, "", err
	}
	return readPage(ctx, s.db, pageQuery[*portail.Activity]{q: q, args: args, limit: limit, scan: scanActivity,
		cursor: byTime(func(e *portail.Activity) (time.Time, int64) { return e.At, e.ID })})
}

// EachActivity calls fn for every entry of the filter, newest first, a
// page at a time, each page in its own short read transaction.
func (s *ActivityService) EachActivity(ctx context.Context, f portail.ActivityFilter, fn func(*portail.Activity) error) error {
	f.Limit = portail.MaxPageSize
	for {
		page, next, err := s.ListActivity(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		f.Cursor = next
	}
}

// RecordActivity writes an entry that no change accompanies, through the
// group committer.
func (s *ActivityService) RecordActivity(ctx context.Context, e portail.Activity) error {
	return s.db.recordActivity(ctx, e)
}

// Group commit. Entries that accompany no change (a download, a label
// request) arrive from many requests at once; writing each in its own
// transaction would cost one disk flush per entry. The committer gathers
// whatever is waiting into one transaction, and each caller returns only
// once the transaction holding its entry has committed: durable, but one
// flush for the batch.
type committer struct {
	once    sync.Once
	mu      sync.RWMutex
	closed  bool
	pending chan pendingEntry
	done    chan struct{}
	// late counts the entries handed over by recordActivityLater and not
	// yet committed, so that a read of the log waits for them.
	late atomic.Int64
}

// pendingEntry is an entry to write or, on SQLite, a batch of the purge
// to run in the same transaction (see PurgeActivity).
type pendingEntry struct {
	e     portail.Activity
	purge *purgeStep
	err   chan error
	late  bool // from recordActivityLater: nobody waits on err
	// barrier writes nothing: its commit says that every entry handed
	// over before it is committed.
	barrier bool
}

// purgeStep deletes up to limit entries older than before; n is how many
// it deleted, set before err is sent.
type purgeStep struct {
	before int64
	limit  int
	n      int64
}

const (
	maxBatch = 512
	// maxYields bounds how many times the committer lets other goroutines
	// run while it gathers a batch.
	maxYields = 8
)

// submit hands p to the committer and waits for its transaction.
func (db *DB) submit(ctx context.Context, p pendingEntry) error {
	if err := db.enqueue(ctx, p); err != nil {
		return err
	}
	// Wait for the commit even if ctx ends: the entry is on its way.
	return <-p.err
}

// enqueue hands p to the committer.
func (db *DB) enqueue(ctx context.Context, p pendingEntry) error {
	c := &db.committer
	c.once.Do(func() {
		c.pending = make(chan pendingEntry, maxBatch)
		c.done = make(chan struct{})
		go db.commitLoop()
	})
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errors.New("database closed")
	}
	select {
	case c.pending <- p:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		return ctx.Err()
	}
	return nil
}

func (db *DB) recordActivity(ctx context.Context, e portail.Activity) error {
	if e.At.IsZero() {
		e.At = db.Now().UTC().Truncate(time.Microsecond)
	}
	e.UserAgent = truncate(e.UserAgent, 512)
	return db.submit(ctx, pendingEntry{e: e, err: make(chan error, 1)})
}

// recordActivityLater hands an entry to the committer and returns before
// it is committed. For entries that describe no change, where the caller
// must not wait: a failed sign-in answers at once, as fast as one for an
// unknown name, which writes nothing (issue 10, item 8). The entry may be
// lost in a crash of the next few milliseconds; the throttle counted the
// attempt already, durably. It waits only when the committer's queue is
// full, which bounds the memory a flood of failures can take.
func (db *DB) recordActivityLater(e portail.Activity) {
	if e.At.IsZero() {
		e.At = db.Now().UTC().Truncate(time.Microsecond)
	}
	e.UserAgent = truncate(e.UserAgent, 512)
	db.committer.late.Add(1)
	if db.enqueue(context.Background(), pendingEntry{e: e, err: make(chan error, 1), late: true}) != nil {
		db.committer.late.Add(-1) // closed: the entry is dropped
	}
}

// awaitLate waits until the entries this process handed over with
// recordActivityLater are committed, so that a read of the log sees what
// the same process answered before it.
func (db *DB) awaitLate(ctx context.Context) error {
	if db.committer.late.Load() == 0 {
		return nil
	}
	return db.submit(ctx, pendingEntry{barrier: true, err: make(chan error, 1)})
}

func (db *DB) commitLoop() {
	c := &db.committer
	defer close(c.done)
	batch := make([]pendingEntry, 0, maxBatch)
	entries := make([]pendingEntry, 0, maxBatch)
	for first := range c.pending {
		batch = append(batch[:0], first)
		// Gather what is waiting. When nothing is, let other goroutines
		// run before committing: the callers the last commit answered are
		// runnable but may not have run yet (the send of the first of
		// them woke this goroutine), and with few cores a batch gathered
		// at once would hold one or two entries. Stop when a yield brought
		// nothing new: a lone caller waits for one yield only.
		yields, seen := 0, 0
	gather:
		for len(batch) < maxBatch {
			select {
			case p, ok := <-c.pending:
				if !ok {
					break gather
				}
				batch = append(batch, p)
				continue
			default:
			}
			if yields == maxYields || (yields > 0 && len(batch) == seen) {
				break
			}
			seen = len(batch)
			runtime.Gosched()
			yields++
		}
		entries = entries[:0]
		for _, p := range batch {
			if p.purge == nil && !p.barrier {
				entries = append(entries, p)
			}
		}
		purgeErrs := make([]error, len(batch))
		err := db.writeTx(context.Background(), func(tx *Tx) error {
			if err := insertActivities(tx, entries); err != nil {
				return err
			}
			for i, p := range batch {
				if p.purge != nil {
					purgeErrs[i] = purgeInTx(tx, p.purge)
				}
			}
			return nil
		})
		for i, p := range batch {
			if p.late {
				c.late.Add(-1)
			}
			if err == nil {
				p.err <- purgeErrs[i]
			} else {
				p.err <- err
			}
		}
	}
}

// purgeInTx runs a purge step within the committer's transaction, under a
// savepoint: a failed delete fails the purge, not the entries written
// beside it.
func purgeInTx(tx *Tx, st *purgeStep) error {
	if _, err := tx.exec(`SAVEPOINT purge`); err != nil {
		return err
	}
	n, err := execCount(tx.exec(purgeSQL(st.limit), st.before))
	if err != nil {
		if _, rerr := tx.exec(`ROLLBACK TO purge`); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	if _, rerr := tx.exec(`RELEASE purge`); rerr != nil {
		return errors.Join(err, rerr)
	}
	st.n = n
	return err
}

func purgeSQL(limit int) string {
	return `DELETE FROM activity WHERE id IN (SELECT id FROM activity WHERE at < ? ORDER BY at LIMIT ` + strconv.Itoa(limit) + `)`
}

// insertChunks are the row counts of the multi-row INSERTs a batch is
// written with, largest first: a batch of n entries takes a few
// statements instead of n, one round trip each on PostgreSQL, and the
// statements come in few shapes, parsed once by PostgreSQL's statement
// cache. 256 rows are 2,816 parameters, within both databases' limits.
var insertChunks = [...]int{256, 64, 16, 4, 1}

var insertChunkSQL = func() (qs [len(insertChunks)]string) {
	for i, n := range insertChunks {
		var b strings.Builder
		b.WriteString(`INSERT INTO activity (` + activityInsertColumns + `) VALUES `)
		for r := range n {
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteString(activityInsertRow)
		}
		qs[i] = b.String()
	}
	return qs
}()

// insertActivities writes the entries of batch in order, with multi-row
// INSERTs. Each connection keeps the statements it has run prepared
// (stmtcache.go on SQLite, pgx's cache on PostgreSQL): parsing a multi-row
// INSERT for every batch took a sixth of the CPU of a SQLite ingest. The
// shapes are prepared when a batch first needs them, not at the start:
// the five of them held 1.4 MiB of a SQLite connection's memory (most of
// it the 256 rows'), which a quiet process never needs.
func insertActivities(tx *Tx, batch []pendingEntry) error {
	args := make([]any, 0, 11*insertChunks[0])
	for i, n := range insertChunks {
		for len(batch) >= n {
			args = args[:0]
			for _, p := range batch[:n] {
				e := p.e
				args = append(args, e.AccountID, micros(e.At), nullID(e.UserID), nullID(e.ActorID), string(e.Type), e.Detail,
					e.IP, e.UserAgent, nullMicros(e.StartedAt), nullMicros(e.EndedAt), nullID(e.UserID))
			}
			if _, err := tx.exec(insertChunkSQL[i], args...); err != nil {
				return err
			}
			batch = batch[n:]
		}
	}
	return nil
}

// stopCommitter lets waiting entries commit, then stops the committer.
func (db *DB) stopCommitter() {
	c := &db.committer
	c.mu.Lock()
	started := c.pending != nil && !c.closed
	c.closed = true
	c.mu.Unlock()
	if started {
		close(c.pending)
		<-c.done
	}
}

// PurgeActivity deletes entries older than before, in small batches, each
// its own short transaction, so that writers wait at most for one batch
// (L2). It returns how many entries it deleted. Between batches it pauses
// at least as long as the batch took, so that writers keep the database
// most of the time.
//
// On SQLite, where a transaction holds the only writer, each batch runs in
// a transaction of the group committer, beside the entries waiting to be
// written: writers wait for no transaction of the purge's own, and its
// delete shares their disk flush (BENCHMARKS.md, "Activity log").
func (db *DB) PurgeActivity(ctx context.Context, before time.Time, batch int) (int64, error) {
	if batch <= 0 {
		batch = db.PurgeBatch()
	}
	var total int64
	for {
		start := time.Now()
		var n int64
		var err error
		if db.pg {
			err = db.writeTx(ctx, func(tx *Tx) error {
				n, err = execCount(tx.exec(purgeSQL(batch), micros(before)))
				return err
			})
		} else {
			st := &purgeStep{before: micros(before), limit: batch}
			err = db.submit(ctx, pendingEntry{purge: st, err: make(chan error, 1)})
			n = st.n
		}
		total += n
		if err != nil || n < int64(batch) {
			return total, err
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(max(5*time.Millisecond, time.Since(start))): // let waiting writers in
		}
	}
}

// PurgeBatch is the default batch of PurgeActivity: 25 entries on SQLite,
// where the batch joins a transaction of the writers and its pages,
// scattered over activity_user_at, join their disk flush; 100 on
// PostgreSQL, where writers do not wait for the delete but share the disk
// with it. With 100 entries the writers' p99 tripled on SQLite; with 1,000
// it rose 1.7 to 3.5 times on PostgreSQL (BENCHMARKS.md, "Activity log").
func (db *DB) PurgeBatch() int {
	if db.pg {
		return 100
	}
	return 25
}
