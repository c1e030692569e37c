package sqldb_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/sqldb"
)

// TestPartnerClaims: two partners claiming in parallel take every due
// letter exactly once; events, repeats, refusals, release and the claim
// timeout move the letters as the life cycle says, with history lines by
// the partner.
func TestPartnerClaims(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		f := MustAccount(t, db, "ptn", portail.PlanEnterprise)
		f.noWait(t, db)
		d1 := f.MustDepartment(t, "D1")
		docs := newDocs(t, db)
		const n = 12
		want := map[int64]bool{}
		for i := range n {
			c := portail.DocumentCreate{Name: "a.pdf", DepartmentID: d1.ID, Module: portail.ModuleMail}
			if i == 0 {
				reg := true
				c.Options.Registered = &reg
			}
			d, err := docs.SendDocument(f.as(f.admin), c, strings.NewReader(minimalPDF))
			if err != nil || d.Status != portail.DocumentReceived {
				t.Fatalf("send %v %v", d, err)
			}
			want[d.ID] = true
		}
		// A letter still waiting is not claimed.
		five := 5
		if _, err := sqldb.NewAccountService(db).UpdateAccountSettings(f.as(f.admin), portail.AccountSettingsUpdate{LetterCancellationMinutes: &five}); err != nil {
			t.Fatal(err)
		}
		waiting, err := docs.SendDocument(f.as(f.admin), portail.DocumentCreate{Name: "w.pdf", DepartmentID: d1.ID, Module: portail.ModuleMail}, strings.NewReader(minimalPDF))
		if err != nil {
			t.Fatal(err)
		}

		ps := sqldb.NewPartnerService(db)
		a, keyA, err := ps.CreatePartner(ctx, "Imprimerie A")
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := ps.CreatePartner(ctx, "Imprimerie B")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := ps.CreatePartner(ctx, "Imprimerie A"); code(err) != portail.ECONFLICT {
			t.Errorf("same name: %v", err)
		}
		if p, err := ps.Authenticate(ctx, keyA); err != nil || p.ID != a.ID || p.Name != a.Name {
			t.Errorf("authenticate %+v %v", p, err)
		}
		for _, bad := range []string{"", "ptp_nope", "ptl_" + keyA[4:]} {
			if _, err := ps.Authenticate(ctx, bad); code(err) != portail.EUNAUTHENTICATED {
				t.Errorf("authenticate %q: %v", bad, err)
			}
		}
		if _, err := ps.Claim(ctx, a, 0); code(err) != portail.EINVALID {
			t.Errorf("limit 0: %v", err)
		}
		if _, err := ps.Claim(ctx, a, 101); code(err) != portail.EINVALID {
			t.Errorf("limit 101: %v", err)
		}

		var mu sync.Mutex
		owner := map[int64]*portail.Partner{}
		var wg sync.WaitGroup
		for i := range 6 {
			p := a
			if i%2 == 1 {
				p = b
			}
			wg.Go(func() {
				for {
					got, err := ps.Claim(ctx, p, 2)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, d := range got {
						if owner[d.ID] != nil {
							t.Errorf("document %d claimed twice", d.ID)
						}
						if d.Status != portail.DocumentProcessing {
							t.Errorf("claimed document %d is %s", d.ID, d.Status)
						}
						owner[d.ID] = p
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(owner) != n {
			t.Fatalf("%d documents claimed, want %d", len(owner), n)
		}
		for id := range want {
			if owner[id] == nil {
				t.Errorf("document %d not claimed", id)
			}
		}
		if owner[waiting.ID] != nil {
			t.Error("a waiting letter was claimed")
		}

		// Pick one letter of each partner; the registered one is the first.
		var first int64 = -1
		for id := range want {
			if first == -1 || id < first {
				first = id
			}
		}
		p := owner[first]
		other := a
		if p == a {
			other = b
		}
		ev := func(status portail.DocumentStatus, detail, tracking string) portail.PartnerEvent {
			return portail.PartnerEvent{Status: status, Detail: detail, TrackingNumber: tracking}
		}
		if err := ps.Event(ctx, other, first, ev("printed", "", "")); code(err) != portail.ENOTFOUND {
			t.Errorf("another partner's letter: %v", err)
		}
		if err := ps.Event(ctx, p, waiting.ID, ev("printed", "", "")); code(err) != portail.ENOTFOUND {
			t.Errorf("an unclaimed letter: %v", err)
		}
		past := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
		e := ev("printed", "", "")
		e.At = &past
		if err := ps.Event(ctx, p, first, e); err != nil {
			t.Fatal(err)
		}
		if err := ps.Event(ctx, p, first, ev("printed", "", "")); err != nil {
			t.Errorf("repeat: %v", err)
		}
		if err := ps.Event(ctx, p, first, ev("returned", "moved", "")); code(err) != portail.EINVALIDTRANSITION {
			t.Errorf("returned before posted: %v", err)
		}
		if err := ps.Event(ctx, p, first, ev("posted", "", "")); code(err) != portail.EINVALID {
			t.Errorf("registered without number: %v", err)
		}
		if err := ps.Release(ctx, p, first); code(err) != portail.EINVALIDTRANSITION {
			t.Errorf("release after printed: %v", err)
		}
		if err := ps.Event(ctx, p, first, ev("posted", "", "RR1BE")); err != nil {
			t.Fatal(err)
		}
		if err := ps.Event(ctx, p, first, ev("returned", "Adresse inconnue", "")); err != nil {
			t.Fatal(err)
		}
		d, err := docs.FindDocument(f.as(f.admin), first)
		if err != nil || d.Status != portail.DocumentReturned || d.TrackingNumber != "RR1BE" || d.ReturnReason != "Adresse inconnue" {
			t.Fatalf("after events %+v %v", d, err)
		}
		h, _, err := docs.DocumentHistory(f.as(f.admin), first, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		var moves []string
		for _, c := range h {
			if c.Change != portail.ChangeStatus {
				continue
			}
			moves = append(moves, c.From+">"+c.To)
			if c.To != "received" {
				if c.Partner != p.Name || c.ActorKind() != portail.ActorPartner || c.System != "" || c.ActorID != 0 {
					t.Errorf("line %+v is not by %s", c, p.Name)
				}
			}
			if c.To == "printed" && !c.At.Equal(past) {
				t.Errorf("printed at %v, want the event's %v", c.At, past)
			}
		}
		if got := strings.Join(moves, " "); got != "received>processing processing>printed printed>posted posted>returned" {
			t.Errorf("moves %s", got)
		}

		// Failed with its reason; the other letters go back by release
		// and by the timeout.
		var rest []int64
		for id := range want {
			if id != first {
				rest = append(rest, id)
			}
		}
		if err := ps.Event(ctx, owner[rest[0]], rest[0], ev("failed", "Bourrage", "")); err != nil {
			t.Fatal(err)
		}
		if d, _ := docs.FindDocument(f.as(f.admin), rest[0]); d.Status != portail.DocumentFailed || d.FailureReason != "Bourrage" {
			t.Errorf("failed %+v", d)
		}
		if err := ps.Release(ctx, owner[rest[1]], rest[1]); err != nil {
			t.Fatal(err)
		}
		if err := ps.Event(ctx, owner[rest[1]], rest[1], ev("printed", "", "")); code(err) != portail.ENOTFOUND {
			t.Errorf("event after release: %v", err)
		}
		if n, err := ps.ReturnStale(ctx, time.Hour); err != nil || n != 0 {
			t.Errorf("nothing stale yet: %d %v", n, err)
		}
		later := time.Now().Add(2 * time.Hour)
		db.Now = func() time.Time { return later }
		if n, err := ps.ReturnStale(ctx, time.Hour); err != nil || n != len(rest)-2 {
			t.Errorf("stale %d %v, want %d", n, err, len(rest)-2)
		}
		db.Now = time.Now
		for _, id := range rest[1:] {
			if d, _ := docs.FindDocument(f.as(f.admin), id); d.Status != portail.DocumentReceived {
				t.Errorf("document %d is %s after release or timeout", id, d.Status)
			}
		}
		again, err := ps.Claim(ctx, b, 100)
		if err != nil || len(again) != len(rest)-1 {
			t.Errorf("claimed again %d %v", len(again), err)
		}

		if err := ps.RevokePartner(ctx, "Imprimerie A"); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Authenticate(ctx, keyA); code(err) != portail.EUNAUTHENTICATED {
			t.Errorf("revoked key: %v", err)
		}
		if err := ps.RevokePartner(ctx, "Imprimerie A"); code(err) != portail.ENOTFOUND {
			t.Errorf("revoke twice: %v", err)
		}
		list, err := ps.ListPartners(ctx)
		if err != nil || len(list) != 2 || list[0].RevokedAt == nil || list[1].RevokedAt != nil {
			t.Errorf("list %+v %v", list, err)
		}
	})
}
