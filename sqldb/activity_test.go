package sqldb_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/sqldb"
)

func TestActivityRetention(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "r", portail.PlanGold)
		now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
		acts := sqldb.NewActivityService(db)
		for _, age := range []int{61, 61, 60, 59, 1} {
			at := now.AddDate(0, 0, -age)
			if err := acts.RecordActivity(context.Background(), portail.Activity{AccountID: f.acct.ID, At: at, UserID: f.admin.ID,
				Type: portail.ActivityFetch, Detail: fmt.Sprintf("age=%d", age)}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.PurgeActivity(context.Background(), now.Add(-portail.DefaultActivityRetention), 1)
		if err != nil || n != 2 {
			t.Fatalf("purged %d, %v; want the two 61-day-old entries", n, err)
		}
		list, _, err := acts.ListActivity(f.as(f.admin), portail.ActivityFilter{Type: portail.ActivityFetch})
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, e := range list {
			kept = append(kept, e.Detail)
		}
		if fmt.Sprint(kept) != "[age=1 age=59 age=60]" {
			t.Fatalf("kept %v", kept)
		}
	})
}

func TestJobLease(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Now()
		db.Now = func() time.Time { return now }
		if ok, err := db.TryLease(ctx, "job", "a", time.Minute); !ok || err != nil {
			t.Fatalf("a: %v %v", ok, err)
		}
		if ok, _ := db.TryLease(ctx, "job", "b", time.Minute); ok {
			t.Fatal("b took a live lease")
		}
		if ok, _ := db.TryLease(ctx, "job", "a", time.Minute); !ok {
			t.Fatal("a could not renew")
		}
		now = now.Add(2 * time.Minute)
		if ok, _ := db.TryLease(ctx, "job", "b", time.Minute); !ok {
			t.Fatal("b could not take an expired lease")
		}
	})
}

func TestActivityGroupCommit(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "g", portail.PlanGold)
		acts := sqldb.NewActivityService(db)
		var wg sync.WaitGroup
		const n = 300
		for i := range n {
			wg.Go(func() {
				if err := acts.RecordActivity(context.Background(), portail.Activity{AccountID: f.acct.ID, UserID: f.admin.ID,
					Type: portail.ActivityFetch, Detail: fmt.Sprint(i)}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		count := 0
		err := acts.EachActivity(f.as(f.admin), portail.ActivityFilter{Type: portail.ActivityFetch}, func(*portail.Activity) error {
			count++
			return nil
		})
		if err != nil || count != n {
			t.Fatalf("found %d of %d entries: %v", count, n, err)
		}
	})
}

func TestActivityScope(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "s", portail.PlanEnterprise)
		d1, d2 := f.MustDepartment(t, "One"), f.MustDepartment(t, "Two")
		da := f.MustUser(t, "s-da", portail.RoleDepartmentAdmin, d1.ID, 0)
		op := f.MustUser(t, "s-op", portail.RoleOperator, d1.ID, 0)
		other := f.MustUser(t, "s-other", portail.RoleViewer, d2.ID, 0)
		users := func(ctx context.Context, filter portail.ActivityFilter) map[int64]bool {
			t.Helper()
			seen := map[int64]bool{}
			if err := sqldb.NewActivityService(db).EachActivity(ctx, filter, func(e *portail.Activity) error {
				seen[e.UserID] = true
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return seen
		}
		if all := users(f.as(f.admin), portail.ActivityFilter{}); !all[da.ID] || !all[op.ID] || !all[other.ID] || !all[f.admin.ID] {
			t.Fatalf("admin sees %v", all)
		}
		if seen := users(f.as(da), portail.ActivityFilter{}); !seen[da.ID] || !seen[op.ID] || seen[other.ID] || seen[f.admin.ID] || seen[0] {
			t.Fatalf("department admin sees %v", seen)
		}
		if seen := users(f.as(op), portail.ActivityFilter{}); len(seen) != 1 || !seen[op.ID] {
			t.Fatalf("operator sees %v", seen)
		}
		if seen := users(f.as(op), portail.ActivityFilter{UserID: other.ID}); len(seen) != 0 {
			t.Fatalf("operator filtering on another user sees %v", seen)
		}

		// A user who moves to another department takes no history along:
		// the old department's admin keeps seeing what happened there, the
		// new one's sees only what happens from now on.
		da2 := f.MustUser(t, "s-da2", portail.RoleDepartmentAdmin, d2.ID, 0)
		count := func(ctx context.Context, userID int64) int {
			t.Helper()
			n := 0
			if err := sqldb.NewActivityService(db).EachActivity(ctx, portail.ActivityFilter{UserID: userID}, func(*portail.Activity) error {
				n++
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// An entry of the group commit (a download) carries the department too.
		if err := sqldb.NewActivityService(db).RecordActivity(context.Background(), portail.Activity{AccountID: f.acct.ID,
			UserID: op.ID, ActorID: op.ID, Type: portail.ActivityFetch, Detail: "document=1"}); err != nil {
			t.Fatal(err)
		}
		fetched := 0
		if err := sqldb.NewActivityService(db).EachActivity(f.as(da), portail.ActivityFilter{Type: portail.ActivityFetch}, func(*portail.Activity) error {
			fetched++
			return nil
		}); err != nil || fetched != 1 {
			t.Fatalf("D1's admin sees %d group-committed entries about op (%v), want 1", fetched, err)
		}
		before := count(f.as(da), op.ID)
		if before == 0 || count(f.as(da2), op.ID) != 0 {
			t.Fatalf("before the move: D1's admin sees %d entries about op, D2's %d", before, count(f.as(da2), op.ID))
		}
		d2id := d2.ID
		if _, err := f.users.UpdateUser(f.as(f.admin), op.ID, portail.UserUpdate{DepartmentID: &d2id}); err != nil {
			t.Fatal(err)
		}
		if got := count(f.as(da), op.ID); got != before {
			t.Errorf("after the move D1's admin sees %d entries about op, want the %d from before", got, before)
		}
		if got := count(f.as(da2), op.ID); got != 1 {
			t.Errorf("after the move D2's admin sees %d entries about op, want 1 (the move)", got)
		}
	})
}

// TestActivityDetailUnambiguous: a value that looks like a further pair
// ("team x=1") reads back from the log as the one value it was.
func TestActivityDetailUnambiguous(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "dt", portail.PlanGold)
		d := f.MustDepartment(t, "Old")
		if _, err := f.depts.RenameDepartment(f.as(f.admin), d.ID, "team x=1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.depts.RenameDepartment(f.as(f.admin), d.ID, "Sales team"); err != nil {
			t.Fatal(err)
		}
		entries, _, err := sqldb.NewActivityService(db).ListActivity(f.as(f.admin), portail.ActivityFilter{Type: portail.ActivityDepartmentUpdated})
		if err != nil || len(entries) != 2 {
			t.Fatalf("%d entries, %v", len(entries), err)
		}
		// Newest first; an ordinary value is written as it always was.
		if got, want := entries[0].Detail, `name="team x=1"->Sales team`; got != want {
			t.Errorf("detail %q, want %q", got, want)
		}
		want := portail.Detail{}.Change("name", "Old", "team x=1")
		if got := portail.ParseDetail(entries[1].Detail); !reflect.DeepEqual(got, want) {
			t.Errorf("detail %q reads as %#v, want %#v", entries[1].Detail, got, want)
		}
	})
}
