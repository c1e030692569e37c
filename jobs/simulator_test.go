package jobs_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/blob"
	"portail/internal/lettertest"
	"portail/internal/testdb"
	"portail/jobs"
	"portail/pdf"
	"portail/sqldb"
)

// clock is a fake time shared by the database and the simulator.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// TestSimulator drives the simulator step by step on a fake clock over a
// real database: a document goes through every status, another fails, a
// parcel is delivered, another returned, and each move is in the history.
func TestSimulator(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, err := sqldb.Open(ctx, testdb.DSN(t, dialect))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			clk := &clock{now: time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)}
			db.Now = clk.Now

			acct, admin, err := sqldb.NewAuthService(db).Setup(ctx, portail.Setup{AccountName: "Sim", Plan: portail.PlanGold,
				Modules: portail.AllModules, AdminUsername: "simadmin", AdminEmail: "simadmin@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			as := portail.WithCaller(ctx, portail.Caller{Actor: admin.Actor(acct.Modules)})
			dept, err := sqldb.NewDepartmentService(db).CreateDepartment(as, "Post room")
			if err != nil {
				t.Fatal(err)
			}
			// Letters are due once accepted, so that they move on the
			// simulator's interval like parcels.
			zero := 0
			if _, err := sqldb.NewAccountService(db).UpdateAccountSettings(as, portail.AccountSettingsUpdate{LetterCancellationMinutes: &zero}); err != nil {
				t.Fatal(err)
			}
			blobs := blob.Dir{Root: t.TempDir()}
			docs := sqldb.NewDocumentService(db, blobs, sqldb.Letters{Reader: lettertest.Reader(), Tariff: portail.DefaultTariff("EUR")})
			labels := sqldb.NewLabelService(db, blobs, pdf.Label)
			var docIDs, labelIDs []int64
			for i := range 2 {
				d, err := docs.SendDocument(as, portail.DocumentCreate{Name: "letter.pdf", DepartmentID: dept.ID, Module: portail.ModuleMail},
					bytes.NewReader(lettertest.Letter(1+i)))
				if err != nil {
					t.Fatal(err)
				}
				docIDs = append(docIDs, d.ID)
				addr := portail.Address{Name: "N", Street: "S", HouseNumber: "1", PostalCode: "1000", City: "Brussels", Country: "BE"}
				l, err := labels.CreateLabel(as, portail.LabelCreate{DepartmentID: dept.ID, Sender: addr, Recipient: addr, WeightGrams: 100})
				if err != nil {
					t.Fatal(err)
				}
				labelIDs = append(labelIDs, l.ID)
			}

			// Neither a letter waiting for a fix nor one whose sender chose a
			// later start ever moves (the step counts below would say so).
			later := clk.Now().Add(48 * time.Hour)
			var still []int64
			for _, c := range []struct {
				pdf    []byte
				sendAt *time.Time
			}{{lettertest.NoAddress(), nil}, {lettertest.Letter(1), &later}} {
				d, err := docs.SendDocument(as, portail.DocumentCreate{Name: "wait.pdf", DepartmentID: dept.ID, Module: portail.ModuleMail,
					SendAt: c.sendAt}, bytes.NewReader(c.pdf))
				if err != nil {
					t.Fatal(err)
				}
				still = append(still, d.ID)
			}
			defer func() {
				for i, want := range []portail.DocumentStatus{portail.DocumentActionRequired, portail.DocumentReceived} {
					if d, err := docs.FindDocument(as, still[i]); err != nil || d.Status != want {
						t.Errorf("a letter that must wait moved: %+v %v", d, err)
					}
				}
			}()

			// The second document fails and the second parcel comes back:
			// the simulator draws once per item that may fail, oldest first.
			draws := 0
			sim := &jobs.Simulator{Store: sqldb.NewProcessingService(db), Partners: sqldb.NewPartnerService(db), Interval: time.Minute, FailureRate: 0.5,
				Logger: slog.New(slog.DiscardHandler), Now: clk.Now,
				Rand: func() float64 { draws++; return []float64{0.9, 0.1}[(draws-1)%2] }}

			if n, err := sim.Step(ctx); err != nil || n != 0 {
				t.Fatalf("nothing has waited a minute yet, but %d moved (%v)", n, err)
			}
			for _, want := range []int{4, 4, 1, 0} { // every item, every item, the printed document, nothing
				clk.Advance(time.Minute + time.Second)
				n, err := sim.Step(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n != want {
					t.Errorf("step moved %d items, want %d", n, want)
				}
			}

			check := func(kind string, history func(context.Context, int64, int, string) ([]*portail.Change, string, error), id int64, want ...string) {
				t.Helper()
				h, _, err := history(as, id, 0, "")
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for i, c := range h {
					got = append(got, c.To)
					if i == 0 {
						if c.Change != portail.ChangeCreated || c.ActorID != admin.ID {
							t.Errorf("%s %d: first change %+v, want created by the admin", kind, id, c)
						}
						continue
					}
					if c.Change != portail.ChangeStatus || c.ActorID != 0 || c.From != h[i-1].To {
						t.Errorf("%s %d: change %+v, want a status change by the system from %s", kind, id, c, h[i-1].To)
					}
				}
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("%s %d went through %v, want %v", kind, id, got, want)
				}
			}
			check("document", docs.DocumentHistory, docIDs[0], "received", "processing", "printed", "posted")
			check("document", docs.DocumentHistory, docIDs[1], "received", "processing", "failed")
			check("label", labels.LabelHistory, labelIDs[0], "created", "in_transit", "delivered")
			check("label", labels.LabelHistory, labelIDs[1], "created", "in_transit", "returned")

			d, err := docs.FindDocument(as, docIDs[0])
			if err != nil || d.Status != portail.DocumentPosted || !d.UpdatedAt.After(d.CreatedAt) {
				t.Errorf("document %+v %v", d, err)
			}
			// The letters went through the print partner service: every
			// move is by the simulator as a partner, the failure says why.
			for _, id := range docIDs {
				h, _, err := docs.DocumentHistory(as, id, 0, "")
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range h[1:] {
					if c.ActorKind() != portail.ActorPartner || c.Partner != jobs.SimulatorPartner {
						t.Errorf("document %d: change %+v not by the simulator as a partner", id, c)
					}
				}
			}
			if d, err := docs.FindDocument(as, docIDs[1]); err != nil || d.Status != portail.DocumentFailed || d.FailureReason == "" {
				t.Errorf("failed document %+v %v", d, err)
			}
		})
	}
}
