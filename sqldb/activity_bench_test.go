package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
)

// The activity log benchmarks (L1–L3). See BENCHMARKS.md, "Activity log".
//
//	go test ./sqldb -run XXX -bench 'ActivityIngest|ActivityPurge' -benchtime 1x -count 3 -timeout 30m
//	PORTAIL_BENCH_BIG=1 go test ./sqldb -run XXX -bench ActivityQuery -benchtime 200x -count 3 -timeout 90m -v
//
// BenchmarkActivityQuery loads 10 million rows per dialect and only runs
// with PORTAIL_BENCH_BIG=1 (PORTAIL_BENCH_ACTIVITY_ROWS overrides the row
// count, for trying it out); PORTAIL_BENCH_EXPLAIN=1 logs its query plans.

// ---------------------------------------------------------------------------
// Ingest: group commit against one transaction per event.

const (
	ingestSequential = 1000   // events per op of the baseline
	ingestConcurrent = 25_600 // events per op with many writers (64×400, 256×100)
)

// BenchmarkActivityIngest measures RecordActivity throughput. Sequential
// is the baseline of one event per transaction: a single goroutine whose
// every call waits for its own commit, so that the group committer never
// has more than one entry to gather. WritersN runs N goroutines calling
// RecordActivity in a loop; each call returns once the batch holding its
// entry has committed, as in production. Reported: events/s, and for
// WritersN the ratio to Sequential (x-sequential; the target is ≥ 20 on
// SQLite, which runs WAL with synchronous=FULL).
func BenchmarkActivityIngest(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			db := MustOpen(b, d)
			f := MustAccount(b, db, "ing", portail.PlanEnterprise)
			acts := sqldb.NewActivityService(db)
			event := func(i int) portail.Activity {
				return portail.Activity{AccountID: f.acct.ID, UserID: f.admin.ID, ActorID: f.admin.ID,
					Type: portail.ActivityFetch, Detail: "document " + strconv.Itoa(i), IP: "192.0.2.1", UserAgent: benchUserAgents[0]}
			}
			ctx := context.Background()
			for i := range 100 { // warm up the connections and the committer
				if err := acts.RecordActivity(ctx, event(i)); err != nil {
					b.Fatal(err)
				}
			}

			var seqRate float64
			b.Run("Sequential", func(b *testing.B) {
				for b.Loop() {
					for i := range ingestSequential {
						if err := acts.RecordActivity(ctx, event(i)); err != nil {
							b.Fatal(err)
						}
					}
				}
				seqRate = float64(b.N*ingestSequential) / b.Elapsed().Seconds()
				b.ReportMetric(seqRate, "events/s")
				b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N*ingestSequential), "ms/event")
			})
			for _, writers := range []int{64, 256} {
				b.Run("Writers"+strconv.Itoa(writers), func(b *testing.B) {
					each := ingestConcurrent / writers
					for b.Loop() {
						var wg sync.WaitGroup
						errs := make(chan error, writers)
						for w := range writers {
							wg.Go(func() {
								for i := range each {
									if err := acts.RecordActivity(ctx, event(w*each+i)); err != nil {
										errs <- err
										return
									}
								}
							})
						}
						wg.Wait()
						close(errs)
						if err := <-errs; err != nil {
							b.Fatal(err)
						}
					}
					rate := float64(b.N*writers*each) / b.Elapsed().Seconds()
					b.ReportMetric(rate, "events/s")
					if seqRate > 0 {
						b.ReportMetric(rate/seqRate, "x-sequential")
					}
				})
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Bulk loading of the activity table, shared by the query and purge
// benchmarks. Row i of n is identical on both databases: SQLite gets it
// from Go in multi-row INSERTs, PostgreSQL computes it server-side with
// generate_series.

var benchUserAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"portail-cli/1.4 (linux; amd64)",
}

// benchActivityTypes weighs the types of the generated log: mostly
// downloads and label requests.
var benchActivityTypes = []string{"fetch", "fetch", "fetch", "label_request", "label_request",
	"login_succeeded", "logout", "notification_sent", "manual_order", "login_failed"}

// activitySpec describes n generated rows: row i is at start + i*step
// (microseconds), so ids grow with time as in production, and is about
// users[hash(i) mod len(users)], acted by that user or, one row in ten,
// by admin.
type activitySpec struct {
	account, admin int64
	users          []int64
	start, step    int64
}

func (s *activitySpec) row(i int64) []any {
	u := s.users[(i*2654435761%4294967296)%int64(len(s.users))]
	actor := u
	if i%10 == 0 {
		actor = s.admin
	}
	ua := ""
	if i%3 != 0 {
		ua = benchUserAgents[(i/3)%3]
	}
	return []any{s.account, s.start + i*s.step, u, actor,
		benchActivityTypes[(i*40503%65536)%int64(len(benchActivityTypes))],
		"document " + strconv.FormatInt(i, 10), "192.0.2." + strconv.FormatInt(1+i%250, 10), ua}
}

const activityInsertCols = `INSERT INTO activity (account_id, at, user_id, actor_id, type, detail, ip, user_agent) VALUES `

// openLoader opens a plain pool on the database of dsn for bulk loading:
// on SQLite one connection with synchronous=OFF and a large page cache
// (only this connection; the file stays in WAL mode).
func openLoader(b *testing.B, dialect, dsn string) *sql.DB {
	b.Helper()
	var db *sql.DB
	var err error
	if dialect == "postgres" {
		db, err = sql.Open("pgx", dsn)
	} else {
		db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=synchronous(OFF)"+
			"&_pragma=cache_size(-1048576)&_pragma=temp_store(MEMORY)&_txlock=immediate")
		db.SetMaxOpenConns(1)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// loadActivity inserts rows [0, n) of spec. It drops the activity
// table's secondary indexes, whatever the migrations made them, and builds
// them again after the load: one sort per index is faster than n inserts
// into each. PostgreSQL is then VACUUM ANALYZEd, as autovacuum would do on
// a table this size, and checkpointed, so that neither runs during the
// measurement; SQLite's WAL is checkpointed.
func loadActivity(db *sql.DB, pg bool, s *activitySpec, n int64) error {
	ctx := context.Background()
	conn, err := db.Conn(ctx) // one session for its settings
	if err != nil {
		return err
	}
	defer conn.Close()
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activity' AND sql IS NOT NULL`
	if pg {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'activity'
			AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'activity'::regclass)`
		if _, err := conn.ExecContext(ctx, `SET maintenance_work_mem = '512MB'`); err != nil {
			return err
		}
		defer conn.ExecContext(ctx, `RESET maintenance_work_mem`)
	}
	var names, defs []string
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return err
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, name := range names {
		if _, err := conn.ExecContext(ctx, `DROP INDEX `+name); err != nil {
			return err
		}
	}
	if pg {
		err = loadActivityPostgres(ctx, conn, s, n)
	} else {
		err = loadActivitySQLite(ctx, conn, s, n)
	}
	if err != nil {
		return err
	}
	// Each entry's department, as the writers record it.
	if _, err := conn.ExecContext(ctx, `UPDATE activity SET department_id = (SELECT department_id FROM users WHERE users.id = activity.user_id)`); err != nil {
		return err
	}
	for _, def := range defs {
		if _, err := conn.ExecContext(ctx, def); err != nil {
			return err
		}
	}
	if pg {
		if _, err := conn.ExecContext(ctx, `VACUUM (ANALYZE) activity`); err != nil {
			return err
		}
		_, err = conn.ExecContext(ctx, `CHECKPOINT`)
		return err
	}
	_, err = conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// loadActivityPostgres computes the rows server-side, a million per
// statement.
func loadActivityPostgres(ctx context.Context, conn *sql.Conn, s *activitySpec, n int64) error {
	const chunk = 1_000_000
	q := `INSERT INTO activity (account_id, at, user_id, actor_id, type, detail, ip, user_agent)
		SELECT $1::bigint, $2::bigint + g * $3::bigint, u, CASE WHEN g % 10 = 0 THEN $4::bigint ELSE u END,
			($5::text[])[1 + (g * 40503 % 65536) % cardinality($5::text[])],
			'document ' || g, '192.0.2.' || (1 + g % 250),
			CASE WHEN g % 3 = 0 THEN '' ELSE ($6::text[])[1 + (g / 3) % 3] END
		FROM generate_series($7::bigint, $8::bigint) g,
			LATERAL (SELECT ($9::bigint[])[1 + (g * 2654435761 % 4294967296) % cardinality($9::bigint[])] AS u) x`
	for lo := int64(0); lo < n; lo += chunk {
		hi := min(lo+chunk, n) - 1
		if _, err := conn.ExecContext(ctx, q, s.account, s.start, s.step, s.admin, benchActivityTypes, benchUserAgents, lo, hi, s.users); err != nil {
			return err
		}
	}
	return nil
}

// loadActivitySQLite inserts the rows with a prepared 1000-row INSERT, in
// transactions of 500,000 rows.
func loadActivitySQLite(ctx context.Context, conn *sql.Conn, s *activitySpec, n int64) error {
	const perInsert = 1000 // rows per INSERT: 8,000 parameters
	const perTx = 500_000
	var q strings.Builder
	q.WriteString(activityInsertCols)
	for r := range perInsert {
		if r > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?,?,?,?,?,?,?,?)")
	}
	args := make([]any, 0, 8*perInsert)
	for lo := int64(0); lo < n; lo += perTx {
		hi := min(lo+perTx, n)
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.Prepare(q.String())
		if err != nil {
			tx.Rollback()
			return err
		}
		i := lo
		for ; i+perInsert <= hi; i += perInsert {
			args = args[:0]
			for j := i; j < i+perInsert; j++ {
				args = append(args, s.row(j)...)
			}
			if _, err := stmt.Exec(args...); err != nil {
				tx.Rollback()
				return err
			}
		}
		stmt.Close()
		var tail [][]any
		for ; i < hi; i++ {
			tail = append(tail, s.row(i))
		}
		if err := insertRows(tx, false, activityInsertCols, tail); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// activitySize describes the size of the activity table and its indexes.
func activitySize(db *sql.DB, pg bool) string {
	if pg {
		var table, total int64
		if err := db.QueryRow(`SELECT pg_relation_size('activity'), pg_total_relation_size('activity')`).Scan(&table, &total); err != nil {
			return err.Error()
		}
		return fmt.Sprintf("table %d MB, with indexes %d MB", table>>20, total>>20)
	}
	var pages, size int64
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		return err.Error()
	}
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		return err.Error()
	}
	return fmt.Sprintf("database file %d MB", pages*size>>20)
}

// ---------------------------------------------------------------------------
// Query: one page of a 10-million-row log.

const (
	queryRows        = 10_000_000
	queryUsers       = 2_000
	queryDepartments = 20
	queryDays        = 70
)

// BenchmarkActivityQuery measures ListActivity on an account whose log
// holds 10 million entries about 2,000 users in 20 departments, spread
// evenly over the last 70 days. The requirement: the admin's first page of
// 50 filtered on one user over the last 60 days in under 10 ms on both
// databases. For information: the same without the user filter, the
// second page, and the department admin's first page (their department's
// users, about 100). PostgreSQL is VACUUM ANALYZEd after the load; SQLite is
// measured as in production (no statistics) and after ANALYZE.
//
// Opt-in (PORTAIL_BENCH_BIG=1): the load takes minutes and about 2 GB.
func BenchmarkActivityQuery(b *testing.B) {
	if os.Getenv("PORTAIL_BENCH_BIG") != "1" {
		b.Skip("loads 10 million rows per database: set PORTAIL_BENCH_BIG=1 to run it")
	}
	n := int64(queryRows)
	if s := os.Getenv("PORTAIL_BENCH_ACTIVITY_ROWS"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v <= 0 {
			b.Fatalf("PORTAIL_BENCH_ACTIVITY_ROWS=%q", s)
		}
		n = v
	}
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			fx := newQueryFixture(b, d, n)
			if d == "sqlite" {
				fx.run(b, "NoStats/")
				start := time.Now()
				if _, err := fx.load.Exec(`ANALYZE`); err != nil {
					b.Fatal(err)
				}
				b.Logf("sqlite: ANALYZE in %v", time.Since(start).Round(time.Millisecond))
				fx.reopen(b) // so that every connection reads the statistics
				fx.run(b, "Analyzed/")
				return
			}
			fx.run(b, "")
		})
	}
}

type queryFixture struct {
	*fixture
	dialect, dsn string
	load         *sql.DB // the plain pool of the load, also for EXPLAIN
	acts         *sqldb.ActivityService
	user         int64 // the user the admin filters on
	dept         int64 // the department admin's department
	deptAdmin    int64
	now          time.Time
}

func newQueryFixture(b *testing.B, dialect string, n int64) *queryFixture {
	b.Helper()
	dsn := testdb.DSN(b, dialect)
	db, err := sqldb.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	fx := &queryFixture{fixture: MustAccount(b, db, "act", portail.PlanEnterprise), dialect: dialect, dsn: dsn}
	b.Cleanup(func() { fx.db.Close() })
	pg := dialect == "postgres"
	fx.load = openLoader(b, dialect, dsn)

	start := time.Now()
	users, err := fx.loadUsers(fx.load, pg)
	if err != nil {
		b.Fatal(err)
	}
	fx.now = time.Now().UTC()
	step := int64(queryDays*24*time.Hour/time.Microsecond) / n
	spec := &activitySpec{account: fx.acct.ID, admin: fx.admin.ID, users: users, start: fx.now.UnixMicro() - n*step, step: step}
	if err := loadActivity(fx.load, pg, spec, n); err != nil {
		b.Fatal(err)
	}
	if pg {
		if _, err := fx.load.Exec(`ANALYZE users, departments`); err != nil {
			b.Fatal(err)
		}
	}
	loaded := time.Since(start)
	b.Logf("%s: loaded %d users and %d activity rows in %v (%.0f rows/s); %s", dialect, len(users), n,
		loaded.Round(time.Millisecond), float64(n)/loaded.Seconds(), activitySize(fx.load, pg))
	fx.user = users[len(users)/2]
	return fx
}

// loadUsers inserts the departments and users in one transaction and
// returns the users' ids. One user in 50 is a department admin.
func (fx *queryFixture) loadUsers(db *sql.DB, pg bool) ([]int64, error) {
	tx, err := db.Begin()
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := time.Now().UnixMicro()
	acct := fx.acct.ID
	var deptRows [][]any
	for i := range queryDepartments {
		name := fmt.Sprintf("Activity %02d", i+1)
		deptRows = append(deptRows, []any{acct, name, strings.ToLower(name), now})
	}
	if err := insertRows(tx, pg, `INSERT INTO departments (account_id, name, name_key, created_at) VALUES `, deptRows); err != nil {
		return nil, err
	}
	var depts []int64
	if err := scanIDs(tx, &depts, rebindBench(pg, `SELECT id FROM departments WHERE account_id = ? ORDER BY id`), acct); err != nil {
		return nil, err
	}
	const cols = `INSERT INTO users (account_id, username, username_key, full_name, email, email_key, role, department_id,
		modules, status, created_at, updated_at) VALUES `
	rng := rand.New(rand.NewPCG(3, 4))
	var batch [][]any
	for i := range queryUsers {
		username := fmt.Sprintf("act.user%04d", i)
		role := "operator"
		if i%50 == 0 {
			role = "department_admin"
		}
		batch = append(batch, []any{acct, username, username, "User " + strconv.Itoa(i), username + "@example.com",
			username + "@example.com", role, depts[rng.IntN(len(depts))], int(portail.AllModules), "active", now, now})
		if len(batch) == 500 {
			if err := insertRows(tx, pg, cols, batch); err != nil {
				return nil, err
			}
			batch = batch[:0]
		}
	}
	if err := insertRows(tx, pg, cols, batch); err != nil {
		return nil, err
	}
	var users []int64
	if err := scanIDs(tx, &users, rebindBench(pg, `SELECT id FROM users WHERE account_id = ? AND role <> 'admin' ORDER BY id`), acct); err != nil {
		return nil, err
	}
	if err := tx.QueryRow(rebindBench(pg, `SELECT id, department_id FROM users WHERE account_id = ? AND role = 'department_admin' ORDER BY id LIMIT 1`),
		acct).Scan(&fx.deptAdmin, &fx.dept); err != nil {
		return nil, err
	}
	return users, tx.Commit()
}

func scanIDs(tx *sql.Tx, out *[]int64, q string, args ...any) error {
	rows, err := tx.Query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		*out = append(*out, id)
	}
	return rows.Err()
}

// reopen replaces the sqldb.DB by a fresh one on the same database.
func (fx *queryFixture) reopen(b *testing.B) {
	b.Helper()
	fx.db.Close()
	db, err := sqldb.Open(context.Background(), fx.dsn)
	if err != nil {
		b.Fatal(err)
	}
	fx.fixture.db = db
	fx.acts = sqldb.NewActivityService(db)
}

type queryCase struct {
	name  string
	actor portail.Actor
	f     portail.ActivityFilter
}

func (fx *queryFixture) cases() []queryCase {
	from := fx.now.Add(-60 * 24 * time.Hour)
	admin := fx.admin.Actor(fx.acct.Modules)
	da := portail.Actor{UserID: fx.deptAdmin, AccountID: fx.acct.ID, Role: portail.RoleDepartmentAdmin,
		DepartmentID: fx.dept, Modules: fx.acct.Modules}
	return []queryCase{
		{"Admin/User/Page1", admin, portail.ActivityFilter{UserID: fx.user, From: &from, Limit: 50}},
		{"Admin/All/Page1", admin, portail.ActivityFilter{From: &from, Limit: 50}},
		{"DeptAdmin/Page1", da, portail.ActivityFilter{From: &from, Limit: 50}},
	}
}

// run measures every case; names are prefixed with prefix.
func (fx *queryFixture) run(b *testing.B, prefix string) {
	if fx.acts == nil {
		fx.acts = sqldb.NewActivityService(fx.db)
	}
	for _, c := range fx.cases() {
		ctx := portail.WithCaller(context.Background(), portail.Caller{Actor: c.actor, IP: "192.0.2.1", UserAgent: "bench"})
		page, next := fx.mustPage(b, ctx, c.f) // check once, and warm the caches
		cases := []queryCase{c}
		if c.name == "Admin/User/Page1" {
			c2 := c
			c2.name, c2.f.Cursor = "Admin/User/Page2", next
			cases = append(cases, c2)
		}
		for _, c := range cases {
			if os.Getenv("PORTAIL_BENCH_EXPLAIN") != "" {
				fx.explain(b, prefix+c.name, c.actor, c.f, page)
			}
			b.Run(prefix+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					list, _, err := fx.acts.ListActivity(ctx, c.f)
					if err != nil {
						b.Fatal(err)
					}
					if len(list) != c.f.Limit {
						b.Fatalf("got %d entries, want %d", len(list), c.f.Limit)
					}
				}
				reportMillis(b)
			})
		}
	}
}

func (fx *queryFixture) mustPage(b *testing.B, ctx context.Context, f portail.ActivityFilter) ([]*portail.Activity, string) {
	b.Helper()
	list, next, err := fx.acts.ListActivity(ctx, f)
	if err != nil {
		b.Fatal(err)
	}
	if len(list) != f.Limit || next == "" {
		b.Fatalf("got %d entries (next %q), want a full page of %d", len(list), next, f.Limit)
	}
	for _, e := range list {
		if f.UserID != 0 && e.UserID != f.UserID || f.From != nil && e.At.Before(*f.From) {
			b.Fatalf("entry %+v outside the filter %+v", e, f)
		}
	}
	return list, next
}

// explain logs the plan of the query that ListActivity runs. The SQL is a
// copy of the one sqldb.activityQuery builds: keep them together.
func (fx *queryFixture) explain(b *testing.B, name string, a portail.Actor, f portail.ActivityFilter, first []*portail.Activity) {
	b.Helper()
	pg := fx.dialect == "postgres"
	where, args := []string{"a.account_id = ?"}, []any{a.AccountID}
	if a.Role == portail.RoleDepartmentAdmin {
		where, args = append(where, "a.department_id = ?"), append(args, a.DepartmentID)
	}
	if f.UserID != 0 {
		where, args = append(where, "a.user_id = ?"), append(args, f.UserID)
	}
	if f.From != nil {
		where, args = append(where, "a.at >= ?"), append(args, f.From.UnixMicro())
	}
	if f.Cursor != "" {
		last := first[len(first)-1]
		where, args = append(where, "(a.at, a.id) < (?, ?)"), append(args, last.At.UnixMicro(), last.ID)
	}
	q := `SELECT a.id, a.account_id, a.at, a.user_id, COALESCE(u.username, ''), a.actor_id, a.type, a.detail,
	a.ip, a.user_agent, a.started_at, a.ended_at FROM activity a LEFT JOIN users u ON u.id = a.user_id WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY a.at DESC, a.id DESC LIMIT ` + strconv.Itoa(f.Limit+1)
	prefix := "EXPLAIN QUERY PLAN "
	if pg {
		prefix = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	rows, err := fx.load.Query(prefix+rebindBench(pg, q), args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&out, "\n  %v", vals[len(vals)-1])
	}
	b.Logf("%s %s plan:%s", fx.dialect, name, out.String())
}

// ---------------------------------------------------------------------------
// Purge while writing.

const (
	purgeDays      = 61
	purgeRowsByDay = 20_000
	purgeWriters   = 16
	purgeBaseline  = 2 * time.Second // in all, over the slices
	purgeSlices    = 8
)

// BenchmarkActivityPurgeWhileWriting measures what the retention purge
// costs writers. The log holds 61 days of 20,000 entries; 16 goroutines
// call RecordActivity continuously. Each op purges the oldest remaining
// day (20,000 entries) in 8 slices, and before each slice records the
// writers' latency for 250 ms without purge (2 s in all), so that the
// machine's other load falls on both sets of samples alike. Reported: p50
// and p99 of RecordActivity without and during the purge, the p99 ratio
// (target ≤ 2), and the purge's duration. Default purges in batches of
// db.PurgeBatch() entries, as the retention job does (25 on SQLite, 100
// on PostgreSQL); Batch1000 and Batch100 are for comparison.
func BenchmarkActivityPurgeWhileWriting(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			dsn := testdb.DSN(b, d)
			db, err := sqldb.Open(context.Background(), dsn)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			f := MustAccount(b, db, "purge", portail.PlanEnterprise)
			load := openLoader(b, d, dsn)
			pg := d == "postgres"

			// Users are only ids here: activity.user_id has no foreign key.
			users := make([]int64, 200)
			for i := range users {
				users[i] = f.admin.ID + 1 + int64(i)
			}
			n := int64(purgeDays * purgeRowsByDay)
			step := int64(24*time.Hour/time.Microsecond) / purgeRowsByDay
			now := time.Now().UTC()
			spec := &activitySpec{account: f.acct.ID, admin: f.admin.ID, users: users, start: now.UnixMicro() - n*step, step: step}
			start := time.Now()
			if err := loadActivity(load, pg, spec, n); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: loaded %d rows in %v; %s", d, n, time.Since(start).Round(time.Millisecond), activitySize(load, pg))

			acts := sqldb.NewActivityService(db)
			oldest := time.UnixMicro(spec.start) // of the remaining entries
			for _, batch := range []int{0, 1000, 100} {
				name := "Batch" + strconv.Itoa(batch)
				if batch == 0 {
					name = "Default" // db.PurgeBatch(), as the retention job
				}
				b.Run(name, func(b *testing.B) {
					var base, during []time.Duration
					var purged int64
					var purgeTime time.Duration
					for b.Loop() {
						bs, ds, n, pt := purgeRound(b, db, acts, f, oldest.Add(24*time.Hour), batch)
						base, during = append(base, bs...), append(during, ds...)
						purged, purgeTime = purged+n, purgeTime+pt
						oldest = oldest.Add(24 * time.Hour)
					}
					slices.Sort(base)
					slices.Sort(during)
					p99b, p99d := percentile(base, 0.99), percentile(during, 0.99)
					b.ReportMetric(ms(percentile(base, 0.50)), "p50-ms")
					b.ReportMetric(ms(p99b), "p99-ms")
					b.ReportMetric(ms(percentile(during, 0.50)), "purge-p50-ms")
					b.ReportMetric(ms(p99d), "purge-p99-ms")
					b.ReportMetric(float64(p99d)/float64(p99b), "p99-ratio")
					b.ReportMetric(ms(purgeTime)/float64(b.N), "purge-ms")
					b.ReportMetric(float64(purged)/float64(b.N), "purged/op")
					b.Logf("%s: %d calls without purge, %d during; max %v / %v", d, len(base), len(during),
						base[len(base)-1], during[len(during)-1])
				})
			}
		})
	}
}

// purgeRound runs the writers and, purgeSlices times, records their
// latency for purgeBaseline/purgeSlices without purge, then purges the
// next slice of the day before `before` (a purgeSlices-th of it) while
// they write. Interleaving the windows spreads whatever else the machine
// runs over both sets of samples. It returns the latencies of the calls
// made in the windows without purge and of those that overlapped a purge,
// the number purged and the purges' total duration.
func purgeRound(b *testing.B, db *sqldb.DB, acts *sqldb.ActivityService, f *fixture, before time.Time, batch int) (base, during []time.Duration, purged int64, took time.Duration) {
	type sample struct {
		start, end time.Time
	}
	type window struct {
		start, end time.Time
		purge      bool
	}
	ctx := context.Background()
	stop := make(chan struct{})
	samples := make([][]sample, purgeWriters)
	var wg sync.WaitGroup
	for w := range purgeWriters {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				t0 := time.Now()
				if err := acts.RecordActivity(ctx, portail.Activity{AccountID: f.acct.ID, UserID: f.admin.ID, ActorID: f.admin.ID,
					Type: portail.ActivityFetch, Detail: "document " + strconv.Itoa(i), IP: "192.0.2.1", UserAgent: benchUserAgents[0]}); err != nil {
					b.Error(err)
					return
				}
				samples[w] = append(samples[w], sample{t0, time.Now()})
			}
		})
	}
	time.Sleep(300 * time.Millisecond) // warm up
	var windows []window
	var err error
	day := 24 * time.Hour
	for k := range purgeSlices {
		b0 := time.Now()
		time.Sleep(purgeBaseline / purgeSlices)
		p0 := time.Now()
		var n int64
		n, err = db.PurgeActivity(ctx, before.Add(-day+day*time.Duration(k+1)/purgeSlices), batch)
		p1 := time.Now()
		windows = append(windows, window{b0, p0, false}, window{p0, p1, true})
		purged, took = purged+n, took+p1.Sub(p0)
		if err != nil {
			break
		}
	}
	close(stop)
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	for _, ss := range samples {
		for _, s := range ss {
			for _, w := range windows {
				if w.purge && s.end.After(w.start) && s.start.Before(w.end) {
					during = append(during, s.end.Sub(s.start))
					break
				}
				if !w.purge && !s.start.Before(w.start) && s.end.Before(w.end) {
					base = append(base, s.end.Sub(s.start))
					break
				}
			}
		}
	}
	if len(base) == 0 || len(during) == 0 {
		b.Fatalf("no samples: %d without purge, %d during", len(base), len(during))
	}
	return base, during, purged, took
}

// percentile returns the q-quantile of sorted d (nearest rank).
func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(d)))) - 1
	return d[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
