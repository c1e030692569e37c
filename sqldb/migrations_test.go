package sqldb_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"portail/internal/testdb"
	"portail/sqldb"
)

// schema is what the migrations leave, read back from the database's own
// catalogue: the columns of each table with their declared types, the
// names of the indexes made by CREATE INDEX, and the column lists of the
// UNIQUE constraints.
type schema struct {
	columns map[string][]string // table → "name type", in column order
	indexes []string            // "table.name"
	uniques []string            // "table(a,b)"
}

// sameType folds the spellings the two dialects give one column type:
// a row id is INTEGER on SQLite (its rowid type) and BIGINT on PostgreSQL.
var sameType = map[string]string{
	"integer": "integer",
	"bigint":  "integer",
	"text":    "text",
	"boolean": "boolean",
}

func (s schema) normalized(t *testing.T) schema {
	out := schema{columns: map[string][]string{}, indexes: s.indexes, uniques: s.uniques}
	for table, cols := range s.columns {
		for _, c := range cols {
			name, typ, _ := strings.Cut(c, " ")
			n, ok := sameType[strings.ToLower(typ)]
			if !ok {
				t.Errorf("%s.%s: type %q is not in sameType; say which type of the other dialect it is", table, name, typ)
			}
			out.columns[table] = append(out.columns[table], name+" "+n)
		}
	}
	return out
}

// TestMigrationsSameSchema: the migrations are written once, with the
// dialects' differences rewritten or in a per-dialect file; whatever way a
// number is written, both databases end with the same tables, columns,
// indexes and unique constraints.
func TestMigrationsSameSchema(t *testing.T) {
	got := map[string]schema{}
	for _, d := range testdb.Dialects {
		got[d] = readSchema(t, d).normalized(t)
	}
	lite, pg := got["sqlite"], got["postgres"]
	for _, table := range union(keys(lite.columns), keys(pg.columns)) {
		if !slices.Equal(lite.columns[table], pg.columns[table]) {
			t.Errorf("table %s:\n sqlite   %v\n postgres %v", table, lite.columns[table], pg.columns[table])
		}
	}
	if !slices.Equal(lite.indexes, pg.indexes) {
		t.Errorf("indexes:\n sqlite   %v\n postgres %v", lite.indexes, pg.indexes)
	}
	if !slices.Equal(lite.uniques, pg.uniques) {
		t.Errorf("unique constraints:\n sqlite   %v\n postgres %v", lite.uniques, pg.uniques)
	}
	if len(lite.columns) < 10 || len(lite.indexes) < 5 {
		t.Fatalf("read %d tables and %d indexes: the catalogue queries read nothing", len(lite.columns), len(lite.indexes))
	}
}

// readSchema migrates a fresh database of the dialect and reads its schema.
func readSchema(t *testing.T, dialect string) schema {
	t.Helper()
	ctx := context.Background()
	dsn := testdb.DSN(t, dialect)
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	driver := "sqlite"
	if dialect == "postgres" {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	s := schema{columns: map[string][]string{}}
	rows := func(q string, args ...any) [][]string { return strings2(t, raw, q, args...) }
	if dialect == "sqlite" {
		for _, r := range rows(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`) {
			table := r[0]
			for _, c := range rows(`SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, table) {
				s.columns[table] = append(s.columns[table], c[0]+" "+c[1])
			}
			for _, ix := range rows(`SELECT name, origin FROM pragma_index_list(?)`, table) {
				switch ix[1] {
				case "c":
					s.indexes = append(s.indexes, table+"."+ix[0])
				case "u":
					var cols []string
					for _, c := range rows(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, ix[0]) {
						cols = append(cols, c[0])
					}
					s.uniques = append(s.uniques, table+"("+strings.Join(cols, ",")+")")
				}
			}
		}
	} else {
		for _, r := range rows(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`) {
			table := r[0]
			for _, c := range rows(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table) {
				s.columns[table] = append(s.columns[table], c[0]+" "+c[1])
			}
		}
		// The indexes that back a constraint (primary keys, UNIQUE) are
		// the constraints', compared below as such.
		for _, r := range rows(`SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema()
			AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)`) {
			s.indexes = append(s.indexes, r[0]+"."+r[1])
		}
		var cols []string
		last := ""
		for _, r := range rows(`SELECT tc.table_name, tc.constraint_name, kcu.column_name
			FROM information_schema.table_constraints tc
			JOIN information_schema.key_column_usage kcu ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
			WHERE tc.constraint_type = 'UNIQUE' AND tc.table_schema = current_schema()
			ORDER BY tc.table_name, tc.constraint_name, kcu.ordinal_position`) {
			if key := r[0] + "." + r[1]; key != last {
				if last != "" {
					s.uniques = append(s.uniques, strings.SplitN(last, ".", 2)[0]+"("+strings.Join(cols, ",")+")")
				}
				last, cols = key, nil
			}
			cols = append(cols, r[2])
		}
		if last != "" {
			s.uniques = append(s.uniques, strings.SplitN(last, ".", 2)[0]+"("+strings.Join(cols, ",")+")")
		}
	}
	slices.Sort(s.indexes)
	slices.Sort(s.uniques)
	return s
}

// strings2 returns every row of q as its columns' text.
func strings2(t *testing.T, db *sql.DB, q string, args ...any) [][]string {
	t.Helper()
	rs, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]string
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func keys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}
