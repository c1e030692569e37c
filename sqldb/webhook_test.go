package sqldb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/secret"
	"portail/sqldb"
)

func testKeys(t testing.TB) *secret.Keys {
	k, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustWebhook(t *testing.T, s *sqldb.WebhookService, ctx context.Context, url string, events ...string) (*portail.Webhook, string) {
	t.Helper()
	w, sec, err := s.CreateWebhook(ctx, portail.WebhookCreate{URL: url, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return w, sec
}

// claimAll claims every due delivery (one worker) and settles each as
// delivered, returning them.
func claimAll(t *testing.T, s *sqldb.WebhookService) []*portail.WebhookDelivery {
	t.Helper()
	ds, err := s.Claim(context.Background(), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if _, err := s.Record(context.Background(), d, portail.WebhookOutcome{StatusCode: 204}, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	return ds
}

func TestWebhookEventsWithTheirChange(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "wh", portail.PlanEnterprise)
		other := MustAccount(t, db, "whother", portail.PlanEnterprise)
		hooks := sqldb.NewWebhookService(db, testKeys(t))
		admin := f.as(f.admin)
		users, sec := mustWebhook(t, hooks, admin, "https://hooks.example.com/users", "user.created", "user.deactivated")
		if !strings.HasPrefix(sec, "whsec_") || len(sec) < 20 {
			t.Fatalf("secret %q", sec)
		}
		docsHook, _ := mustWebhook(t, hooks, admin, "https://hooks.example.com/docs", "document.status_changed")
		mustWebhook(t, hooks, other.as(other.admin), "https://other.example.com/", "user.created")
		off := false
		if _, err := hooks.UpdateWebhook(admin, docsHook.ID, portail.WebhookUpdate{Enabled: &off}); err != nil {
			t.Fatal(err)
		}

		d1 := f.MustDepartment(t, "D1")
		u := f.MustUser(t, "alice", portail.RoleOperator, d1.ID, portail.NewModuleSet(portail.ModuleMail))
		got := claimAll(t, hooks)
		if len(got) != 1 || got[0].Webhook.ID != users.ID || got[0].Event.Type != portail.EventUserCreated || got[0].Secret != sec {
			t.Fatalf("after a user's creation: %+v", got)
		}
		var data struct {
			User map[string]any `json:"user"`
		}
		if err := json.Unmarshal(got[0].Event.Data, &data); err != nil || data.User["username"] != "alice" || data.User["status"] != "invited" {
			t.Fatalf("data %s (%v)", got[0].Event.Data, err)
		}
		if !strings.HasPrefix(got[0].Event.ID, "evt_") || got[0].Event.AccountID != f.acct.ID {
			t.Fatalf("event %+v", got[0].Event)
		}

		// user.updated is not subscribed: nothing; deactivated is.
		name := "Alice B."
		if _, err := f.users.UpdateUser(admin, u.ID, portail.UserUpdate{FullName: &name}); err != nil {
			t.Fatal(err)
		}
		if got := claimAll(t, hooks); len(got) != 0 {
			t.Fatalf("an event no endpoint takes: %+v", got)
		}
		if _, err := f.users.DeactivateUser(admin, u.ID); err != nil {
			t.Fatal(err)
		}
		if got := claimAll(t, hooks); len(got) != 1 || got[0].Event.Type != portail.EventUserDeactivated {
			t.Fatalf("after deactivation: %+v", got)
		}

		// A document's status change reaches the documents endpoint once
		// it is enabled again, with from, to and the document.
		docs := newDocs(t, db)
		f.noWait(t, db) // the letter is due at once
		doc, err := docs.SendDocument(admin, portail.DocumentCreate{Name: "a.pdf", DepartmentID: d1.ID, Module: portail.ModuleMail},
			strings.NewReader(minimalPDF))
		if err != nil {
			t.Fatal(err)
		}
		proc := sqldb.NewProcessingService(db)
		if moved, err := proc.Advance(context.Background(), portail.SubjectDocument, doc.ID, "received", "processing"); !moved || err != nil {
			t.Fatalf("received → processing: %v %v (status %s)", moved, err, doc.Status)
		}
		if got := claimAll(t, hooks); len(got) != 0 {
			t.Fatalf("a disabled endpoint got %+v", got)
		}
		on := true
		if _, err := hooks.UpdateWebhook(admin, docsHook.ID, portail.WebhookUpdate{Enabled: &on}); err != nil {
			t.Fatal(err)
		}
		if moved, err := proc.Advance(context.Background(), portail.SubjectDocument, doc.ID, "processing", "printed"); !moved || err != nil {
			t.Fatalf("processing → printed: %v %v", moved, err)
		}
		got = claimAll(t, hooks)
		if len(got) != 1 || got[0].Webhook.ID != docsHook.ID || got[0].Event.Type != portail.EventDocumentStatusChanged {
			t.Fatalf("after a status change: %+v", got)
		}
		var change struct {
			Document map[string]any `json:"document"`
			From, To string
		}
		if err := json.Unmarshal(got[0].Event.Data, &change); err != nil || change.From != "processing" || change.To != "printed" ||
			change.Document["status"] != "printed" || change.Document["id"] != float64(doc.ID) {
			t.Fatalf("data %s (%v)", got[0].Event.Data, err)
		}

		// The other account's endpoint got only its own account's event:
		// none so far.
		if n, _ := sqldb.CountRows(context.Background(), db, "webhook_deliveries"); n != 3 {
			t.Fatalf("%d deliveries, want 3", n)
		}

		// The log shows each attempt; resend brings a delivery back.
		log, next, err := hooks.WebhookAttempts(admin, users.ID, 0, "")
		if err != nil || next != "" || len(log) != 2 || log[0].EventType != portail.EventUserDeactivated || log[0].StatusCode != 204 || log[0].Attempt != 1 {
			t.Fatalf("log %+v %q %v", log, next, err)
		}
		if err := hooks.ResendDelivery(admin, users.ID, log[1].ID); err != nil {
			t.Fatal(err)
		}
		again := claimAll(t, hooks)
		if len(again) != 1 || again[0].Event.ID != log[1].EventID || again[0].Attempts != 2 {
			t.Fatalf("resent: %+v", again)
		}
		if err := hooks.ResendDelivery(other.as(other.admin), users.ID, log[1].ID); code(err) != portail.ENOTFOUND {
			t.Fatalf("resend from another account: %v", err)
		}
		if _, _, err := hooks.WebhookAttempts(other.as(other.admin), users.ID, 0, ""); code(err) != portail.ENOTFOUND {
			t.Fatalf("another account's log: %v", err)
		}
		if err := hooks.DeleteWebhook(admin, users.ID); err != nil {
			t.Fatal(err)
		}
		if list, err := hooks.ListWebhooks(admin); err != nil || len(list) != 1 || list[0].ID != docsHook.ID {
			t.Fatalf("after delete: %+v %v", list, err)
		}
	})
}

func TestWebhookRolledBackChangeWritesNoEvent(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "whrb", portail.PlanEnterprise)
		hooks := sqldb.NewWebhookService(db, testKeys(t))
		mustWebhook(t, hooks, f.as(f.admin), "https://hooks.example.com/", "user.created")
		if err := sqldb.EmitThenFail(context.Background(), db, f.admin); err == nil {
			t.Fatal("the transaction did not fail")
		}
		// A user whose creation fails (a taken username) neither.
		if _, err := f.users.CreateUser(f.as(f.admin), portail.UserCreate{Username: "whrbadmin", FullName: "X", Email: "x@example.com",
			Role: portail.RoleAdmin, Modules: portail.AllModules}); err == nil {
			t.Fatal("a taken username was accepted")
		}
		for _, table := range []string{"webhook_events", "webhook_deliveries"} {
			if n, err := sqldb.CountRows(context.Background(), db, table); err != nil || n != 0 {
				t.Fatalf("%s: %d rows (%v) after rolled back changes", table, n, err)
			}
		}
	})
}

func TestWebhookPolicyAndValidation(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "whp", portail.PlanEnterprise)
		hooks := sqldb.NewWebhookService(db, testKeys(t))
		d1 := f.MustDepartment(t, "D1")
		dadmin := f.MustUser(t, "dadmin", portail.RoleDepartmentAdmin, d1.ID, portail.AllModules)
		if _, _, err := hooks.CreateWebhook(f.as(dadmin), portail.WebhookCreate{URL: "https://x.example.com/", Events: []string{"user.created"}}); code(err) != portail.EFORBIDDEN {
			t.Fatalf("a department admin subscribing: %v", err)
		}
		if _, err := hooks.ListWebhooks(f.as(dadmin)); code(err) != portail.EFORBIDDEN {
			t.Fatalf("a department admin listing: %v", err)
		}
		_, _, err := hooks.CreateWebhook(f.as(f.admin), portail.WebhookCreate{URL: "http://x.example.com/", Events: []string{"nope"}})
		var pe *portail.Error
		if !asError(err, &pe) || pe.Code != portail.EINVALID || len(pe.Fields) != 2 {
			t.Fatalf("http and an unknown event: %v", err)
		}
		hooks.AllowHTTP = true
		if _, _, err := hooks.CreateWebhook(f.as(f.admin), portail.WebhookCreate{URL: "http://127.0.0.1:9/", Events: []string{"user.created"}}); err != nil {
			t.Fatalf("http with allow-private: %v", err)
		}
	})
}

func TestWebhookTwoWorkersClaimEachOnce(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "whq", portail.PlanEnterprise)
		hooks := sqldb.NewWebhookService(db, testKeys(t))
		mustWebhook(t, hooks, f.as(f.admin), "https://hooks.example.com/", "user.created")
		mustWebhook(t, hooks, f.as(f.admin), "https://hooks2.example.com/", "user.created")
		d1 := f.MustDepartment(t, "D1")
		for i := range 9 {
			f.MustUser(t, "u"+string(rune('a'+i)), portail.RoleOperator, d1.ID, portail.NewModuleSet(portail.ModuleMail))
		}
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				for {
					ds, err := hooks.Claim(context.Background(), 3, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ds) == 0 {
						return
					}
					for _, d := range ds {
						mu.Lock()
						seen[d.ID]++
						mu.Unlock()
						if _, err := hooks.Record(context.Background(), d, portail.WebhookOutcome{StatusCode: 200}, time.Time{}); err != nil {
							t.Error(err)
						}
					}
				}
			})
		}
		wg.Wait()
		if len(seen) != 18 {
			t.Fatalf("%d deliveries claimed, want 18", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("delivery %d claimed %d times", id, n)
			}
		}
	})
}

func TestWebhookDisabledAfterFailingADay(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "whd", portail.PlanEnterprise)
		hooks := sqldb.NewWebhookService(db, testKeys(t))
		w, _ := mustWebhook(t, hooks, f.as(f.admin), "https://down.example.com/", "user.created")
		d1 := f.MustDepartment(t, "D1")
		now := time.Now()
		db.Now = func() time.Time { return now }
		f.MustUser(t, "bob", portail.RoleOperator, d1.ID, portail.NewModuleSet(portail.ModuleMail))
		fail := func() bool {
			t.Helper()
			ds, err := hooks.Claim(context.Background(), 10, time.Minute)
			if err != nil || len(ds) != 1 {
				t.Fatalf("claim %v %v", ds, err)
			}
			disabled, err := hooks.Record(context.Background(), ds[0], portail.WebhookOutcome{StatusCode: 503, Error: "503 Service Unavailable"}, now.Add(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Second)
			return disabled
		}
		if fail() {
			t.Fatal("disabled at the first failure")
		}
		now = now.Add(23 * time.Hour)
		if fail() {
			t.Fatal("disabled before a day")
		}
		emailsBefore, _ := sqldb.CountRows(context.Background(), db, "outbox")
		now = now.Add(time.Hour)
		if !fail() {
			t.Fatal("still enabled after failing for a day")
		}
		got, err := hooks.FindWebhook(f.as(f.admin), w.ID)
		if err != nil || got.Enabled || !strings.Contains(got.DisabledReason, "503") {
			t.Fatalf("endpoint %+v %v", got, err)
		}
		if n, _ := sqldb.CountRows(context.Background(), db, "outbox"); n != emailsBefore+1 {
			t.Fatalf("%d e-mails queued to the admins, want 1", n-emailsBefore)
		}
		// Disabled: nothing is claimed any more, though the delivery is due.
		now = now.Add(time.Hour)
		if ds, err := hooks.Claim(context.Background(), 10, time.Minute); err != nil || len(ds) != 0 {
			t.Fatalf("a disabled endpoint's delivery claimed: %v %v", ds, err)
		}
		on := true
		if got, err := hooks.UpdateWebhook(f.as(f.admin), w.ID, portail.WebhookUpdate{Enabled: &on}); err != nil || !got.Enabled || got.DisabledReason != "" {
			t.Fatalf("enabled again: %+v %v", got, err)
		}
		if ds, err := hooks.Claim(context.Background(), 10, time.Minute); err != nil || len(ds) != 1 {
			t.Fatalf("after enabling again: %v %v", ds, err)
		}
	})
}

// TestWebhookInvitationAccepted: a user who accepts their invitation
// becomes active, and the account's systems hear of it as user.updated.
func TestWebhookInvitationAccepted(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "whinv", portail.PlanEnterprise)
		hooks := sqldb.NewWebhookService(db, testKeys(t))
		admin := f.as(f.admin)
		mustWebhook(t, hooks, admin, "https://hooks.example.com/users", "user.updated")
		d1 := f.MustDepartment(t, "D1")
		u := f.MustUser(t, "ines", portail.RoleOperator, d1.ID, portail.NewModuleSet(portail.ModuleMail))
		if got := claimAll(t, hooks); len(got) != 0 {
			t.Fatalf("a creation reached a user.updated endpoint: %+v", got)
		}
		creds := sqldb.NewCredentialService(db)
		if err := creds.AcceptInvitation(from("192.0.2.1"), linkToken(t, sqldb.NewOutboxService(db), u.ID), "a long enough passphrase 42"); err != nil {
			t.Fatal(err)
		}
		got := claimAll(t, hooks)
		if len(got) != 1 || got[0].Event.Type != portail.EventUserUpdated {
			t.Fatalf("after the invitation was accepted: %+v", got)
		}
		var data struct {
			User map[string]any `json:"user"`
		}
		if err := json.Unmarshal(got[0].Event.Data, &data); err != nil || data.User["username"] != "ines" || data.User["status"] != "active" {
			t.Fatalf("data %s (%v)", got[0].Event.Data, err)
		}
	})
}

// TestPurgeWebhookLog: a month after its event, a settled delivery goes
// with its attempts, and the event once none of its deliveries is left;
// a delivery still due stays with its log.
func TestPurgeWebhookLog(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		clk := &testClock{now: time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)}
		db.Now = clk.Now
		f := MustAccount(t, db, "whpurge", portail.PlanEnterprise)
		hooks := sqldb.NewWebhookService(db, testKeys(t))
		admin := f.as(f.admin)
		mustWebhook(t, hooks, admin, "https://hooks.example.com/users", "user.created")
		d1 := f.MustDepartment(t, "D1")
		f.MustUser(t, "old1", portail.RoleOperator, d1.ID, portail.NewModuleSet(portail.ModuleMail))
		if got := claimAll(t, hooks); len(got) != 1 { // delivered
			t.Fatalf("claimed %d", len(got))
		}
		f.MustUser(t, "old2", portail.RoleOperator, d1.ID, portail.NewModuleSet(portail.ModuleMail))
		ds, err := hooks.Claim(context.Background(), 10, time.Minute)
		if err != nil || len(ds) != 1 {
			t.Fatalf("claim %d %v", len(ds), err)
		}
		// A 500: due again later, so kept whatever its age.
		if _, err := hooks.Record(context.Background(), ds[0], portail.WebhookOutcome{StatusCode: 500}, clk.Now().Add(100*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		clk.Advance(portail.WebhookRetention + time.Hour)
		f.MustUser(t, "new", portail.RoleOperator, d1.ID, portail.NewModuleSet(portail.ModuleMail))
		claimAll(t, hooks) // delivered, but recent
		got, err := db.PurgeExpired(context.Background(), clk.Now(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if got["webhook_attempts"] != 1 || got["webhook_deliveries"] != 1 || got["webhook_events"] != 1 {
			t.Errorf("purged %v, want the old delivered one's attempt, delivery and event", got)
		}
		for table, want := range map[string]int{"webhook_events": 2, "webhook_deliveries": 2, "webhook_attempts": 2} {
			n, err := sqldb.CountRows(context.Background(), db, table)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("%s: %d rows left, want %d", table, n, want)
			}
		}
	})
}
