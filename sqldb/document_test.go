package sqldb_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/blob"
	"portail/internal/lettertest"
	"portail/pdf"
	"portail/sqldb"
)

// minimalPDF is a clean one-page A4 letter with an address in its window.
var minimalPDF = string(lettertest.Letter(1))

// newDocs is the document service over db with the real PDF engine and
// the default tariff.
func newDocs(t testing.TB, db *sqldb.DB) *sqldb.DocumentService {
	return sqldb.NewDocumentService(db, blob.Dir{Root: t.TempDir()}, sqldb.Letters{Reader: lettertest.Reader(), Tariff: portail.DefaultTariff("EUR")})
}

// noWait makes the account's letters due as soon as they are accepted.
func (f *fixture) noWait(t testing.TB, db *sqldb.DB) {
	t.Helper()
	zero := 0
	if _, err := sqldb.NewAccountService(db).UpdateAccountSettings(f.as(f.admin), portail.AccountSettingsUpdate{LetterCancellationMinutes: &zero}); err != nil {
		t.Fatal(err)
	}
}

func TestDocuments(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "doc", portail.PlanEnterprise)
		d1 := f.MustDepartment(t, "D1")
		op := f.MustUser(t, "docop", portail.RoleOperator, d1.ID, portail.AllModules)
		docs := newDocs(t, db)
		ctx := f.as(op)

		t.Run("ErrNotPDF", func(t *testing.T) {
			_, err := docs.SendDocument(ctx, portail.DocumentCreate{Name: "x.pdf", DepartmentID: d1.ID, Module: portail.ModuleMail},
				strings.NewReader("GIF89a not a pdf"))
			var e *portail.Error
			if !asError(err, &e) || e.Code != portail.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "file" {
				t.Fatalf("err %v", err)
			}
			list, _, err := docs.ListDocuments(ctx, portail.DocumentFilter{})
			if err != nil || len(list) != 0 {
				t.Errorf("refused upload recorded: %v %v", list, err)
			}
		})
		t.Run("ErrForbiddenParcels", func(t *testing.T) {
			_, err := docs.SendDocument(ctx, portail.DocumentCreate{DepartmentID: d1.ID, Module: portail.ModuleParcels}, strings.NewReader(minimalPDF))
			if code(err) != portail.EINVALID {
				t.Errorf("err %v", err)
			}
		})
		t.Run("OK", func(t *testing.T) {
			d, err := docs.SendDocument(ctx, portail.DocumentCreate{Name: "C:\\Users\\me\\Let\x01ter.pdf", DepartmentID: d1.ID,
				Module: portail.ModuleMail}, strings.NewReader(minimalPDF))
			if err != nil {
				t.Fatal(err)
			}
			if d.Name != "Letter.pdf" {
				t.Errorf("name %q: want the base name without control characters", d.Name)
			}
			if d.Status != portail.DocumentReceived || d.SenderID != op.ID || d.Size != int64(len(minimalPDF)) {
				t.Errorf("document %+v", d)
			}
			_, file, err := docs.OpenDocument(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(file)
			file.Close()
			if string(got) != minimalPDF {
				t.Errorf("content %q", got)
			}
			h, next, err := docs.DocumentHistory(ctx, d.ID, 0, "")
			if err != nil || next != "" || len(h) != 1 || h[0].Change != portail.ChangeCreated || h[0].To != "received" || h[0].ActorID != op.ID {
				t.Errorf("history %+v %q %v", h, next, err)
			}
		})
	})
}

func TestProcessingAdvancesOnce(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "proc", portail.PlanEnterprise)
		f.noWait(t, db)
		d1 := f.MustDepartment(t, "D1")
		docs := newDocs(t, db)
		d, err := docs.SendDocument(f.as(f.admin), portail.DocumentCreate{Name: "a.pdf", DepartmentID: d1.ID, Module: portail.ModuleMail},
			strings.NewReader(minimalPDF))
		if err != nil {
			t.Fatal(err)
		}
		proc := sqldb.NewProcessingService(db)
		ids, err := proc.Waiting(context.Background(), portail.SubjectDocument, "received", time.Now().Add(time.Hour), 10)
		if err != nil || len(ids) != 1 || ids[0] != d.ID {
			t.Fatalf("waiting %v %v", ids, err)
		}
		if _, err := proc.Advance(context.Background(), portail.SubjectDocument, d.ID, "received", "posted"); code(err) != portail.EINVALID {
			t.Errorf("skipping statuses: %v", err)
		}
		// Eight processes race for the same move: exactly one makes it.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Go(func() {
				ok, err := proc.Advance(context.Background(), portail.SubjectDocument, d.ID, "received", "processing")
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d processes moved the document", wins)
		}
		// A part of the system that names itself is named in the history;
		// a move without a name is the system's.
		if ok, err := proc.Advance(portail.WithSystem(context.Background(), portail.SystemSimulator), portail.SubjectDocument, d.ID, "processing", "printed"); !ok || err != nil {
			t.Fatalf("advance %v %v", ok, err)
		}
		h, _, err := docs.DocumentHistory(f.as(f.admin), d.ID, 0, "")
		if err != nil || len(h) != 3 || h[1].Change != portail.ChangeStatus || h[1].From != "received" || h[1].To != "processing" || h[1].ActorID != 0 ||
			h[1].System != "" || h[2].System != portail.SystemSimulator || h[2].ActorID != 0 || h[0].System != "" {
			t.Errorf("history %+v %v", h, err)
		}
	})
}

func TestLabels(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "lab", portail.PlanEnterprise)
		d1 := f.MustDepartment(t, "D1")
		da := f.MustUser(t, "labda", portail.RoleDepartmentAdmin, d1.ID, portail.AllModules)
		labels := sqldb.NewLabelService(db, blob.Dir{Root: t.TempDir()}, pdf.Label)
		addr := portail.Address{Name: "A", Street: "Rue", HouseNumber: "1", PostalCode: "75001", City: "Paris", Country: "fr"}
		seen := map[string]bool{}
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 6 {
			wg.Go(func() {
				l, err := labels.CreateLabel(f.as(da), portail.LabelCreate{DepartmentID: d1.ID, Sender: addr, Recipient: addr, WeightGrams: 700})
				if err != nil {
					t.Error(err)
					return
				}
				if !portail.ValidS10(l.TrackingNumber) || !strings.HasPrefix(l.TrackingNumber, "CP") || !strings.HasSuffix(l.TrackingNumber, "FR") {
					t.Errorf("tracking number %s", l.TrackingNumber)
				}
				mu.Lock()
				seen[l.TrackingNumber] = true
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(seen) != 6 {
			t.Errorf("%d distinct tracking numbers of 6", len(seen))
		}
		list, _, err := labels.ListLabels(f.as(da), portail.LabelFilter{})
		if err != nil || len(list) != 6 {
			t.Fatalf("list %d %v", len(list), err)
		}
		l, file, err := labels.OpenLabelPDF(f.as(da), list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 5)
		io.ReadFull(file, head)
		file.Close()
		if string(head) != "%PDF-" || l.Recipient.Country != "FR" {
			t.Errorf("pdf %q label %+v", head, l)
		}
		op := f.MustUser(t, "labop", portail.RoleOperator, d1.ID, portail.AllModules)
		if _, err := labels.CreateLabel(f.as(op), portail.LabelCreate{DepartmentID: d1.ID, Sender: addr, Recipient: addr, WeightGrams: 1}); code(err) != portail.EFORBIDDEN {
			t.Errorf("operator creates a label: %v", err)
		}
	})
}

func TestReportSummary(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "rep", portail.PlanEnterprise)
		d1, d2 := f.MustDepartment(t, "D1"), f.MustDepartment(t, "D2")
		op1 := f.MustUser(t, "repop1", portail.RoleOperator, d1.ID, portail.AllModules)
		op2 := f.MustUser(t, "repop2", portail.RoleOperator, d2.ID, portail.AllModules)
		docs := newDocs(t, db)
		day1 := time.Date(2026, 2, 1, 23, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return day1 }
		send := func(u *portail.User, dept int64, m portail.Module) {
			t.Helper()
			if _, err := docs.SendDocument(f.as(u), portail.DocumentCreate{Name: "r.pdf", DepartmentID: dept, Module: m}, strings.NewReader(minimalPDF)); err != nil {
				t.Fatal(err)
			}
		}
		send(op1, d1.ID, portail.ModuleMail)
		send(op1, d1.ID, portail.ModuleMail)
		send(op2, d2.ID, portail.ModuleMail)
		db.Now = func() time.Time { return day1.Add(2 * time.Hour) } // the next day, UTC
		send(op1, d1.ID, portail.ModuleClassic)
		db.Now = time.Now
		reports := sqldb.NewReportService(db)
		from, to := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)

		rows, err := reports.Summary(f.as(f.admin), from, to)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, r := range rows {
			got[r.Day.Format("01-02")+" "+r.Department+" "+r.Module.String()+" "+r.Status] += r.Count
		}
		want := map[string]int64{"02-01 D1 mail received": 2, "02-01 D2 mail received": 1, "02-02 D1 classic received": 1}
		if len(got) != len(want) {
			t.Errorf("rows %v, want %v", got, want)
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: %d, want %d (rows %v)", k, got[k], n, got)
			}
		}
		rows, err = reports.Summary(f.as(op2), from, to)
		if err != nil || len(rows) != 1 || rows[0].Count != 1 || rows[0].DepartmentID != d2.ID {
			t.Errorf("operator of D2 sees %+v %v", rows, err)
		}
		if _, err := reports.Summary(f.as(f.admin), to, from); code(err) != portail.EINVALID {
			t.Errorf("reversed range: %v", err)
		}
	})
}

// TestLifecycleStored: every move of both life cycles is made through the
// storage on both databases, so the statuses the root's table names are
// the ones the tables' CHECK constraints accept, and each move leaves its
// history line.
func TestLifecycleStored(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "life", portail.PlanEnterprise)
		d1 := f.MustDepartment(t, "D1")
		docs := newDocs(t, db)
		labels := sqldb.NewLabelService(db, blob.Dir{Root: t.TempDir()}, pdf.Label)
		proc := sqldb.NewProcessingService(db)
		addr := portail.Address{Name: "A", Street: "Rue", HouseNumber: "1", PostalCode: "75001", City: "Paris", Country: "fr"}
		// Every path starts with action_required: a letter whose window is
		// empty.
		newDoc := func() int64 {
			d, err := docs.SendDocument(f.as(f.admin), portail.DocumentCreate{Name: "a.pdf", DepartmentID: d1.ID, Module: portail.ModuleMail},
				bytes.NewReader(lettertest.NoAddress()))
			if err != nil {
				t.Fatal(err)
			}
			return d.ID
		}
		newLabel := func() int64 {
			l, err := labels.CreateLabel(f.as(f.admin), portail.LabelCreate{DepartmentID: d1.ID, Sender: addr, Recipient: addr, WeightGrams: 700})
			if err != nil {
				t.Fatal(err)
			}
			return l.ID
		}
		history := map[portail.SubjectKind]func(id int64) ([]*portail.Change, error){
			portail.SubjectDocument: func(id int64) ([]*portail.Change, error) {
				h, _, err := docs.DocumentHistory(f.as(f.admin), id, 0, "")
				return h, err
			},
			portail.SubjectLabel: func(id int64) ([]*portail.Change, error) {
				h, _, err := labels.LabelHistory(f.as(f.admin), id, 0, "")
				return h, err
			},
		}
		walk := func(kind portail.SubjectKind, create func() int64, paths [][]string) {
			for _, path := range paths {
				id := create()
				for i := 1; i < len(path); i++ {
					if ok, err := proc.Advance(context.Background(), kind, id, path[i-1], path[i]); err != nil || !ok {
						t.Fatalf("%s %d: %s → %s: moved %v, %v", kind, id, path[i-1], path[i], ok, err)
					}
				}
				h, err := history[kind](id)
				if err != nil || len(h) != len(path) || h[len(h)-1].To != path[len(path)-1] {
					t.Errorf("%s along %v: history %+v %v", kind, path, h, err)
				}
			}
		}
		walk(portail.SubjectDocument, newDoc, lifecyclePaths(&portail.DocumentLifecycle))
		walk(portail.SubjectLabel, newLabel, lifecyclePaths(&portail.LabelLifecycle))
	})
}

// lifecyclePaths lists, for every move of the life cycle, a path from the
// first status that ends with that move.
func lifecyclePaths[S ~string](l *portail.Lifecycle[S]) [][]string {
	var out [][]string
	var visit func(path []string)
	visit = func(path []string) {
		for _, n := range l.Next(S(path[len(path)-1])) {
			p := append(slices.Clone(path), string(n))
			out = append(out, p)
			// A move back (processing → received) ends its path: the
			// moves on from there have paths of their own.
			if !slices.Contains(path, string(n)) {
				visit(p)
			}
		}
	}
	visit([]string{string(l.Statuses[0])})
	return out
}
