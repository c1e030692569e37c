package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
)

// Size of the ListUsers fixture: one account, benchDepartments departments
// and benchUsers users besides the admin.
const (
	benchDepartments = 20
	benchUsers       = 10_000
	benchSearch      = "dubois" // a last name: about 1 user in 16
	benchDeepPage    = 150      // of about 190 pages
)

// BenchmarkListUsers measures one page of the users list, as the admin, on
// an account of 10,000 users in 20 departments. The requirement is one page
// of 50 filtered by department under 5 ms on both databases. Ping and
// Select1Tx are baselines for ratios: a bare round trip, and an empty read
// transaction (BEGIN; SELECT 1; COMMIT) on a pool like the one ListUsers
// uses.
//
//	go test ./sqldb -run XXX -bench ListUsers -benchtime 200x -count 3
//
// With PORTAIL_BENCH_EXPLAIN=1 it also logs the query plans.
//
// postgres-fresh is PostgreSQL right after the load, never analysed (as a
// new installation is until autovacuum comes by, up to a minute later):
// without statistics the planner guesses an account has some 40 users,
// and the unfiltered list once read and sorted all 10,000 (10 ms instead
// of 0.4). Its All/Page1 must stay as fast as the analysed one's.
func BenchmarkListUsers(b *testing.B) {
	for _, d := range append(testdb.Dialects, "postgres-fresh") {
		b.Run(d, func(b *testing.B) {
			// A function that calls b.Run runs once, so the fixture is
			// built once per dialect and shared by the sub-benchmarks.
			fx := newListFixture(b, d)
			ctx := fx.as(fx.admin)

			b.Run("Ping", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := fx.db.Ping(ctx); err != nil {
						b.Fatal(err)
					}
				}
				reportMillis(b)
			})
			b.Run("Select1Tx", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					tx, err := fx.readPool.BeginTx(ctx, nil)
					if err != nil {
						b.Fatal(err)
					}
					var one int
					if err := tx.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
						b.Fatal(err)
					}
					if err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
				}
				reportMillis(b)
			})

			dept := fx.depts[benchDepartments/2]
			_, deptNext := fx.mustList(b, ctx, portail.UserFilter{DepartmentID: dept}, portail.DefaultPageSize)
			// For comparison, a page deep in the unfiltered list: the
			// cursor's condition is not an index range, so page n reads
			// the n-1 pages before it.
			deep := ""
			for range benchDeepPage - 1 {
				_, deep = fx.mustList(b, ctx, portail.UserFilter{Cursor: deep}, portail.DefaultPageSize)
			}
			cases := []struct {
				name string
				f    portail.UserFilter
				want int // users on the page
			}{
				{"Dept/Page1", portail.UserFilter{DepartmentID: dept}, portail.DefaultPageSize},
				{"Dept/Page2", portail.UserFilter{DepartmentID: dept, Cursor: deptNext}, portail.DefaultPageSize},
				{"All/Page1", portail.UserFilter{}, portail.DefaultPageSize},
				{"All/Page" + strconv.Itoa(benchDeepPage), portail.UserFilter{Cursor: deep}, portail.DefaultPageSize},
				{"Search/Page1", portail.UserFilter{Query: benchSearch}, portail.DefaultPageSize},
				{"Search/NoMatch", portail.UserFilter{Query: "nobody-by-this-name"}, 0}, // reads every user
			}
			for _, c := range cases {
				fx.mustList(b, ctx, c.f, c.want) // check once, and warm the caches
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						list, _, err := fx.users.ListUsers(ctx, c.f)
						if err != nil {
							b.Fatal(err)
						}
						if len(list) != c.want {
							b.Fatalf("got %d users, want %d", len(list), c.want)
						}
					}
					reportMillis(b)
				})
			}

			if os.Getenv("PORTAIL_BENCH_EXPLAIN") != "" {
				fx.explain(b, "Dept/Page1", portail.UserFilter{DepartmentID: dept})
				fx.explain(b, "Dept/Page2", portail.UserFilter{DepartmentID: dept, Cursor: deptNext})
				fx.explain(b, "All/Page1", portail.UserFilter{})
				fx.explain(b, "Search/Page1", portail.UserFilter{Query: benchSearch})
			}
		})
	}
}

// reportMillis adds ms/op, the unit of the requirement.
func reportMillis(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/op")
}

// listFixture is an account filled in bulk, with a plain pool on the same
// database for the baseline.
type listFixture struct {
	*fixture
	dialect  string
	depts    []int64
	readPool *sql.DB // like the read pool of sqldb.DB, for Select1Tx
}

func newListFixture(b *testing.B, variant string) *listFixture {
	b.Helper()
	dialect, fresh := strings.CutSuffix(variant, "-fresh")
	dsn := testdb.DSN(b, dialect)
	db, err := sqldb.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	fx := &listFixture{fixture: MustAccount(b, db, "bench", portail.PlanEnterprise), dialect: dialect}

	// The bulk load and the baseline go through database/sql directly, on
	// the same database with the options sqldb.Open uses.
	var load *sql.DB
	if dialect == "postgres" {
		if load, err = sql.Open("pgx", dsn); err != nil {
			b.Fatal(err)
		}
		fx.readPool = load
	} else {
		common := "file:" + dsn + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
		if load, err = sql.Open("sqlite", common+"&_txlock=immediate"); err != nil {
			b.Fatal(err)
		}
		if fx.readPool, err = sql.Open("sqlite", common+"&_pragma=query_only(1)"); err != nil {
			b.Fatal(err)
		}
		fx.readPool.SetMaxOpenConns(8)
		b.Cleanup(func() { fx.readPool.Close() })
	}
	b.Cleanup(func() { load.Close() })

	start := time.Now()
	if fresh { // autovacuum must not analyse it behind the benchmark's back
		if _, err := load.Exec(`ALTER TABLE users SET (autovacuum_enabled = false)`); err != nil {
			b.Fatal(err)
		}
	}
	if err := fx.load(load); err != nil {
		b.Fatal(err)
	}
	if dialect == "postgres" && !fresh {
		if _, err := load.Exec(`ANALYZE users, departments`); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%s: loaded %d departments and %d users in %v", dialect, benchDepartments, benchUsers, time.Since(start).Round(time.Millisecond))
	return fx
}

var (
	benchFirstNames = []string{"marie", "jean", "sophie", "pierre", "julie", "luc", "emma", "louis", "lea", "hugo",
		"chloe", "paul", "ines", "tom", "sarah", "noah", "anna", "lucas", "eva", "jules"}
	benchLastNames = []string{"martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand",
		"leroy", "moreau", "simon", "laurent", "lefebvre", "michel", "garcia", "david"}
)

// load inserts the departments and users in one transaction, with
// multi-row INSERTs. Users are spread at random over departments, so that a
// department's users are scattered through the account's username order;
// 85% are active, 10% invited and 5% inactive.
func (fx *listFixture) load(db *sql.DB) error {
	pg := fx.dialect == "postgres"
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UnixMicro()
	acct := fx.acct.ID

	var deptRows [][]any
	for i := range benchDepartments {
		name := fmt.Sprintf("Department %02d", i+1)
		deptRows = append(deptRows, []any{acct, name, strings.ToLower(name), now})
	}
	if err := insertRows(tx, pg, `INSERT INTO departments (account_id, name, name_key, created_at) VALUES `, deptRows); err != nil {
		return err
	}
	rows, err := tx.Query(rebindBench(pg, `SELECT id FROM departments WHERE account_id = ? ORDER BY id`), acct)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		fx.depts = append(fx.depts, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	const cols = `INSERT INTO users (account_id, username, username_key, full_name, email, email_key, role, department_id,
		modules, status, language, password_hash, password_change_required, created_at, updated_at, last_login_at) VALUES `
	rng := rand.New(rand.NewPCG(1, 2))
	var batch [][]any
	for i := range benchUsers {
		first := benchFirstNames[rng.IntN(len(benchFirstNames))]
		last := benchLastNames[rng.IntN(len(benchLastNames))]
		username := first + "." + last + strconv.Itoa(i)
		email := username + "@example.com"
		role := "viewer"
		switch r := rng.IntN(100); {
		case r < 5:
			role = "department_admin"
		case r < 45:
			role = "operator"
		}
		status := "active"
		switch r := rng.IntN(100); {
		case r < 10:
			status = "invited"
		case r < 15:
			status = "inactive"
		}
		var hash, lastLogin any
		if status != "invited" {
			hash = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
			lastLogin = now - rng.Int64N(90*24*3600*1e6)
		}
		created := now - rng.Int64N(365*24*3600*1e6)
		batch = append(batch, []any{acct, username, username, strings.ToUpper(first[:1]) + first[1:] + " " + strings.ToUpper(last[:1]) + last[1:],
			email, email, role, fx.depts[rng.IntN(len(fx.depts))], 1 + rng.IntN(int(portail.AllModules)),
			status, portail.Languages[rng.IntN(len(portail.Languages))], hash, false, created, created, lastLogin})
		if len(batch) == 500 {
			if err := insertRows(tx, pg, cols, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := insertRows(tx, pg, cols, batch); err != nil {
		return err
	}
	return tx.Commit()
}

// insertRows runs one INSERT of all rows.
func insertRows(tx *sql.Tx, pg bool, prefix string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(prefix)
	args := make([]any, 0, len(rows)*len(rows[0]))
	for i, r := range rows {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteByte('(')
		for j, v := range r {
			if j > 0 {
				q.WriteByte(',')
			}
			args = append(args, v)
			if pg {
				q.WriteString("$" + strconv.Itoa(len(args)))
			} else {
				q.WriteByte('?')
			}
		}
		q.WriteByte(')')
	}
	_, err := tx.Exec(q.String(), args...)
	return err
}

func rebindBench(pg bool, q string) string {
	if !pg {
		return q
	}
	n := 0
	var b strings.Builder
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// mustList lists one page and checks it holds want users, and that a full
// page has a next one.
func (fx *listFixture) mustList(b *testing.B, ctx context.Context, f portail.UserFilter, want int) ([]*portail.User, string) {
	b.Helper()
	list, next, err := fx.users.ListUsers(ctx, f)
	if err != nil {
		b.Fatal(err)
	}
	if len(list) != want || (want == portail.DefaultPageSize) != (next != "") {
		b.Fatalf("%+v: got %d users (next %q), want %d", f, len(list), next, want)
	}
	return list, next
}

// explain logs the plan of the query that ListUsers runs for the admin.
// The SQL is a copy of the one ListUsers builds: keep them together.
func (fx *listFixture) explain(b *testing.B, name string, f portail.UserFilter) {
	b.Helper()
	pg := fx.dialect == "postgres"
	where, args := []string{"account_id = ?", "status <> 'inactive'"}, []any{fx.acct.ID}
	if f.DepartmentID != 0 {
		where, args = append(where, "department_id = ?"), append(args, f.DepartmentID)
	}
	if f.Query != "" {
		pat := "%" + f.Query + "%"
		where = append(where, `(username_key LIKE ? ESCAPE '\' OR email_key LIKE ? ESCAPE '\' OR LOWER(full_name) LIKE ? ESCAPE '\')`)
		args = append(args, pat, pat, pat)
	}
	if f.Cursor != "" {
		// The first page's last row: find it again rather than decode the
		// opaque cursor.
		first, _ := fx.mustList(b, fx.as(fx.admin), portail.UserFilter{DepartmentID: f.DepartmentID}, portail.DefaultPageSize)
		last := first[len(first)-1]
		key := portail.NormalizeKey(last.Username)
		where, args = append(where, "(username_key > ? OR (username_key = ? AND id > ?))"), append(args, key, key, last.ID)
	}
	q := `SELECT id, account_id, username, full_name, email, role, department_id, modules, status, language,
	created_at, last_login_at, password_change_required FROM users WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY username_key, id LIMIT 51`
	prefix := "EXPLAIN QUERY PLAN "
	if pg {
		prefix = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	tx, err := fx.readPool.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	if pg { // as ListUsers plans it (readPage, ordered)
		if _, err := tx.Exec(`SET LOCAL enable_bitmapscan = off`); err != nil {
			b.Fatal(err)
		}
	}
	rows, err := tx.Query(prefix+rebindBench(pg, q), args...)
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
		if pg {
			fmt.Fprintf(&out, "\n  %v", vals[0])
		} else { // id, parent, notused, detail
			fmt.Fprintf(&out, "\n  %v", vals[len(vals)-1])
		}
	}
	b.Logf("%s %s plan:%s", fx.dialect, name, out.String())
}
