package sqldb_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portail"
	"portail/blob"
	"portail/internal/lettertest"
	"portail/sqldb"
)

// clock is a database clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// countingReader is the real PDF engine, counting the proofs it renders.
type countingReader struct {
	portail.LetterReader
	proofs atomic.Int32
}

func (c *countingReader) Proof(ctx context.Context, file io.ReaderAt, size int64, page int, w portail.Window, ps []portail.Problem) ([]byte, error) {
	c.proofs.Add(1)
	return c.LetterReader.Proof(ctx, file, size, page, w, ps)
}

func (c *countingReader) AddressProof(ctx context.Context, r portail.Recipient, w portail.Window) ([]byte, error) {
	c.proofs.Add(1)
	return c.LetterReader.AddressProof(ctx, r, w)
}

func hasProblem(ps []portail.Problem, code portail.ProblemCode) bool {
	return slices.ContainsFunc(ps, func(p portail.Problem) bool { return p.Code == code })
}

var typedRecipient = &portail.Recipient{Name: "Jan Peeters",
	Lines: []string{"Jan Peeters", "Kerkstraat 5", "2000 Antwerpen"}, PostalCode: "2000", City: "Antwerpen", Country: "BE"}

func TestLetterLife(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
		db.Now = clk.now
		f := MustAccount(t, db, "life", portail.PlanEnterprise)
		d1 := f.MustDepartment(t, "D1")
		op := f.MustUser(t, "lop", portail.RoleOperator, d1.ID, portail.AllModules)
		op2 := f.MustUser(t, "lop2", portail.RoleOperator, d1.ID, portail.AllModules)
		viewer := f.MustUser(t, "lview", portail.RoleViewer, d1.ID, portail.AllModules)
		other := MustAccount(t, db, "lother", portail.PlanEnterprise)
		reader := &countingReader{LetterReader: lettertest.Reader()}
		docs := sqldb.NewDocumentService(db, blob.Dir{Root: t.TempDir()}, sqldb.Letters{Reader: reader, Tariff: portail.DefaultTariff("EUR")})
		proc := sqldb.NewProcessingService(db)
		ctx := f.as(op)
		send := func(pdf []byte, c portail.DocumentCreate) (*portail.Document, error) {
			c.Name, c.DepartmentID, c.Module = "letter.pdf", d1.ID, portail.ModuleMail
			return docs.SendDocument(ctx, c, bytes.NewReader(pdf))
		}
		mustSend := func(pdf []byte, c portail.DocumentCreate) *portail.Document {
			t.Helper()
			d, err := send(pdf, c)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		waiting := func() []int64 {
			t.Helper()
			ids, err := proc.Waiting(context.Background(), portail.SubjectDocument, "received", clk.now().Add(time.Hour), 100)
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}

		clean := mustSend(lettertest.Letter(1), portail.DocumentCreate{})
		t.Run("CleanIsReceived", func(t *testing.T) {
			d := clean
			if d.Status != portail.DocumentReceived || len(d.Problems) != 0 || d.Pages != 1 || d.Sheets != 1 || !d.Priced || d.PriceCents <= 0 ||
				d.Currency != "EUR" || d.Options != portail.DefaultLetterOptions() || d.Typed || d.Inspection == nil {
				t.Fatalf("document %+v", d)
			}
			if d.Recipient == nil || d.Recipient.PostalCode != "4000" || d.Recipient.City != "Liège" || d.Recipient.Country != "BE" {
				t.Errorf("recipient %+v", d.Recipient)
			}
			if d.Times.AcceptedAt == nil || !d.Times.AcceptedAt.Equal(clk.now()) ||
				d.CancelUntil == nil || !d.CancelUntil.Equal(clk.now().Add(portail.DefaultCancellationMinutes*time.Minute)) {
				t.Errorf("accepted %v, cancel until %v", d.Times.AcceptedAt, d.CancelUntil)
			}
			if got, err := docs.FindDocument(ctx, d.ID); err != nil || got.PriceCents != d.PriceCents || !got.CancelUntil.Equal(*d.CancelUntil) {
				t.Errorf("read back %+v %v", got, err)
			}
			// Its wait is not over: the simulator does not see it.
			if slices.Contains(waiting(), d.ID) {
				t.Error("a letter still waiting is due")
			}
		})

		t.Run("MarginInkIsActionRequired", func(t *testing.T) {
			d := mustSend(lettertest.MarginInk(), portail.DocumentCreate{})
			if d.Status != portail.DocumentActionRequired || !hasProblem(d.Problems, portail.ProblemOutsidePrintableArea) || d.CancelUntil != nil ||
				d.Times.AcceptedAt != nil {
				t.Fatalf("document %+v", d)
			}
			h, _, err := docs.DocumentHistory(ctx, d.ID, 0, "")
			if err != nil || len(h) != 1 || h[0].To != "action_required" {
				t.Errorf("history %+v %v", h, err)
			}
			// A clean file in its place accepts it, same id.
			clk.add(time.Minute)
			r, err := docs.ReplaceDocumentFile(ctx, d.ID, "fixed.pdf", bytes.NewReader(lettertest.Letter(2)))
			if err != nil {
				t.Fatal(err)
			}
			if r.ID != d.ID || r.Name != "fixed.pdf" || r.Status != portail.DocumentReceived || r.Pages != 2 || len(r.Problems) != 0 ||
				r.BlobKey == d.BlobKey || r.CancelUntil == nil || !r.CancelUntil.Equal(clk.now().Add(15*time.Minute)) {
				t.Errorf("replaced %+v", r)
			}
			h, _, _ = docs.DocumentHistory(ctx, d.ID, 0, "")
			if len(h) != 3 || h[1].Change != portail.ChangeStatus || h[1].To != "received" || h[2].Change != portail.ChangeLetter || h[2].To != "file" {
				t.Errorf("history %+v", h)
			}
		})

		t.Run("NotA4", func(t *testing.T) {
			d := mustSend(lettertest.Letter215(), portail.DocumentCreate{})
			if d.Status != portail.DocumentActionRequired || !hasProblem(d.Problems, portail.ProblemPageSize) {
				t.Errorf("document %+v", d)
			}
		})

		t.Run("RefusedFileKeepsNothing", func(t *testing.T) {
			before, _, _ := docs.ListDocuments(f.as(f.admin), portail.DocumentFilter{})
			if _, err := send([]byte("%PDF-1.4\nnot really\n%%EOF\n"), portail.DocumentCreate{}); code(err) != portail.EINVALID {
				t.Errorf("damaged PDF: %v", err)
			}
			after, _, _ := docs.ListDocuments(f.as(f.admin), portail.DocumentFilter{})
			if len(after) != len(before) {
				t.Error("a refused upload was recorded")
			}
		})

		t.Run("RecipientOnEmptyWindow", func(t *testing.T) {
			d := mustSend(lettertest.NoAddress(), portail.DocumentCreate{})
			if d.Status != portail.DocumentActionRequired || !hasProblem(d.Problems, portail.ProblemAddressNotFound) {
				t.Fatalf("document %+v", d)
			}
			q, err := docs.QuoteChange(ctx, d.ID, portail.DocumentChange{SetRecipient: true, Recipient: typedRecipient})
			if err != nil || !q.AddressPage || q.Sheets != d.Sheets+1 || len(q.Problems) != 0 {
				t.Fatalf("quote %+v %v", q, err)
			}
			if again, _ := docs.FindDocument(ctx, d.ID); again.Status != portail.DocumentActionRequired || again.Typed {
				t.Error("a quote of a change saved it")
			}
			clk.add(time.Minute)
			c, err := docs.ChangeDocument(ctx, d.ID, portail.DocumentChange{SetRecipient: true, Recipient: typedRecipient})
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != portail.DocumentReceived || !c.Typed || c.Recipient == nil || c.Recipient.City != "Antwerpen" || c.Sheets != d.Sheets+1 ||
				c.PriceCents <= d.PriceCents || c.PriceCents != q.PriceCents || c.Times.AcceptedAt == nil || !c.Times.AcceptedAt.Equal(clk.now()) {
				t.Errorf("changed %+v", c)
			}
			// The address page has a proof of its own.
			png, err := docs.DocumentProof(ctx, d.ID, 0)
			if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
				t.Errorf("address proof %d bytes, %v", len(png), err)
			}
			// A typed recipient over a window that holds an address is a
			// field error.
			if _, err := send(lettertest.Letter(1), portail.DocumentCreate{Recipient: typedRecipient}); !fieldErr(err, "recipient") {
				t.Errorf("typed over an address: %v", err)
			}
			// Removing it brings the problem back, which an accepted letter
			// may not get.
			if _, err := docs.ChangeDocument(ctx, d.ID, portail.DocumentChange{SetRecipient: true}); !fieldErr(err, "recipient") {
				t.Errorf("removing the recipient of an accepted letter: %v", err)
			}
		})

		t.Run("OptionsReprice", func(t *testing.T) {
			yes, prior := true, portail.PostagePrior
			c, err := docs.ChangeDocument(ctx, clean.ID, portail.DocumentChange{Options: portail.LetterOptionsPatch{Color: &yes, Postage: &prior}})
			if err != nil {
				t.Fatal(err)
			}
			if !c.Options.Color || c.Options.Postage != prior || !c.Options.Duplex || c.PriceCents <= clean.PriceCents ||
				c.Status != portail.DocumentReceived || !c.Times.AcceptedAt.Equal(*clean.Times.AcceptedAt) {
				t.Errorf("changed %+v", c)
			}
			h, _, _ := docs.DocumentHistory(ctx, clean.ID, 0, "")
			if last := h[len(h)-1]; last.Change != portail.ChangeLetter || last.To != "options" {
				t.Errorf("history %+v", h)
			}
			bad := portail.Window("top")
			if _, err := docs.ChangeDocument(ctx, clean.ID, portail.DocumentChange{Options: portail.LetterOptionsPatch{Window: &bad}}); !fieldErr(err, "options.window") {
				t.Errorf("bad window: %v", err)
			}
		})

		t.Run("SendAt", func(t *testing.T) {
			later := clk.now().Add(48 * time.Hour)
			c, err := docs.ChangeDocument(ctx, clean.ID, portail.DocumentChange{SetSendAt: true, SendAt: &later})
			if err != nil || !c.CancelUntil.Equal(later) || !c.Times.SendAt.Equal(later) {
				t.Fatalf("send at: %+v %v", c, err)
			}
			past := clk.now().Add(-time.Minute)
			if _, err := docs.ChangeDocument(ctx, clean.ID, portail.DocumentChange{SetSendAt: true, SendAt: &past}); !fieldErr(err, "send_at") {
				t.Errorf("send_at in the past: %v", err)
			}
			c, err = docs.ChangeDocument(ctx, clean.ID, portail.DocumentChange{SetSendAt: true})
			if err != nil || c.Times.SendAt != nil || !c.CancelUntil.Equal(clean.Times.AcceptedAt.Add(15*time.Minute)) {
				t.Errorf("send_at cleared: %+v %v", c, err)
			}
		})

		t.Run("Policy", func(t *testing.T) {
			yes := true
			change := portail.DocumentChange{Options: portail.LetterOptionsPatch{Registered: &yes}}
			if _, err := docs.ChangeDocument(f.as(viewer), clean.ID, change); code(err) != portail.EFORBIDDEN {
				t.Errorf("viewer: %v", err)
			}
			if _, err := docs.CancelDocument(f.as(viewer), clean.ID); code(err) != portail.EFORBIDDEN {
				t.Errorf("viewer cancels: %v", err)
			}
			if _, err := docs.ChangeDocument(f.as(op2), clean.ID, change); code(err) != portail.ENOTFOUND {
				t.Errorf("another operator: %v", err)
			}
			if _, err := docs.CancelDocument(other.as(other.admin), clean.ID); code(err) != portail.ENOTFOUND {
				t.Errorf("another account: %v", err)
			}
			if _, err := docs.DocumentProof(other.as(other.admin), clean.ID, 1); code(err) != portail.ENOTFOUND {
				t.Errorf("another account's proof: %v", err)
			}
		})

		t.Run("Quote", func(t *testing.T) {
			before, _, _ := docs.ListDocuments(f.as(f.admin), portail.DocumentFilter{})
			yes := true
			q, err := docs.QuoteDocument(ctx, portail.DocumentCreate{Name: "q.pdf", DepartmentID: d1.ID, Module: portail.ModuleMail,
				Options: portail.LetterOptionsPatch{Registered: &yes}}, bytes.NewReader(lettertest.Letter(3)))
			if err != nil || q.Pages != 3 || !q.Options.Registered || !q.Priced || len(q.Problems) != 0 {
				t.Fatalf("quote %+v %v", q, err)
			}
			after, _, _ := docs.ListDocuments(f.as(f.admin), portail.DocumentFilter{})
			if len(after) != len(before) {
				t.Error("a quote stored a document")
			}
			if _, err := docs.QuoteDocument(f.as(viewer), portail.DocumentCreate{DepartmentID: d1.ID, Module: portail.ModuleMail},
				bytes.NewReader(lettertest.Letter(1))); code(err) != portail.EFORBIDDEN {
				t.Errorf("viewer quotes: %v", err)
			}
		})

		t.Run("ProofCache", func(t *testing.T) {
			start := reader.proofs.Load()
			a, err := docs.DocumentProof(ctx, clean.ID, 1)
			if err != nil || !bytes.HasPrefix(a, []byte("\x89PNG\r\n\x1a\n")) {
				t.Fatalf("proof %d bytes %v", len(a), err)
			}
			b, err := docs.DocumentProof(ctx, clean.ID, 1)
			if err != nil || !bytes.Equal(a, b) || reader.proofs.Load() != start+1 {
				t.Errorf("second view: rendered %d times, %v", reader.proofs.Load()-start, err)
			}
			for _, page := range []int{0, 2, -1} {
				if _, err := docs.DocumentProof(ctx, clean.ID, page); code(err) != portail.ENOTFOUND {
					t.Errorf("page %d: %v", page, err)
				}
			}
			// Another window is another proof.
			left := portail.WindowLeft
			if _, err := docs.ChangeDocument(ctx, clean.ID, portail.DocumentChange{Options: portail.LetterOptionsPatch{Window: &left}}); !fieldErr(err, "options") {
				t.Errorf("left window of a letter addressed on the right: %v", err)
			}
			right := portail.WindowRight
			if _, err := docs.ChangeDocument(ctx, clean.ID, portail.DocumentChange{Options: portail.LetterOptionsPatch{Window: &right}}); err != nil {
				t.Fatal(err)
			}
			if _, err := docs.DocumentProof(ctx, clean.ID, 1); err != nil || reader.proofs.Load() != start+1 {
				t.Errorf("an unchanged window rendered again: %d, %v", reader.proofs.Load()-start, err)
			}
		})

		t.Run("TooLate", func(t *testing.T) {
			d := mustSend(lettertest.Letter(1), portail.DocumentCreate{})
			clk.add(15 * time.Minute)
			yes := true
			if _, err := docs.ChangeDocument(ctx, d.ID, portail.DocumentChange{Options: portail.LetterOptionsPatch{Color: &yes}}); code(err) != portail.ETOOLATE {
				t.Errorf("change at the deadline: %v", err)
			}
			if _, err := docs.CancelDocument(ctx, d.ID); code(err) != portail.ETOOLATE {
				t.Errorf("cancel at the deadline: %v", err)
			}
			if _, err := docs.ReplaceDocumentFile(ctx, d.ID, "x.pdf", bytes.NewReader(lettertest.Letter(1))); code(err) != portail.ETOOLATE {
				t.Errorf("replace at the deadline: %v", err)
			}
			if !slices.Contains(waiting(), d.ID) {
				t.Fatal("a letter whose wait is over is not due")
			}
			if ok, err := proc.Advance(context.Background(), portail.SubjectDocument, d.ID, "received", "processing"); !ok || err != nil {
				t.Fatalf("advance %v %v", ok, err)
			}
			if _, err := docs.CancelDocument(ctx, d.ID); code(err) != portail.ETOOLATE {
				t.Errorf("cancel when processing: %v", err)
			}
		})

		t.Run("Cancel", func(t *testing.T) {
			d := mustSend(lettertest.MarginInk(), portail.DocumentCreate{})
			c, err := docs.CancelDocument(ctx, d.ID)
			if err != nil || c.Status != portail.DocumentCancelled {
				t.Fatalf("cancel %+v %v", c, err)
			}
			if _, err := docs.CancelDocument(ctx, d.ID); code(err) != portail.ETOOLATE {
				t.Errorf("cancel twice: %v", err)
			}
			if slices.Contains(waiting(), d.ID) {
				t.Error("a cancelled letter is due")
			}
			h, _, _ := docs.DocumentHistory(ctx, d.ID, 0, "")
			if len(h) != 2 || h[1].From != "action_required" || h[1].To != "cancelled" || h[1].ActorID != op.ID {
				t.Errorf("history %+v", h)
			}
		})

		t.Run("ActionRequiredNeverDue", func(t *testing.T) {
			d := mustSend(lettertest.NoAddress(), portail.DocumentCreate{})
			clk.add(24 * time.Hour)
			if slices.Contains(waiting(), d.ID) {
				t.Error("a letter waiting for a fix is due")
			}
			if ok, _ := proc.Advance(context.Background(), portail.SubjectDocument, d.ID, "received", "processing"); ok {
				t.Error("a letter waiting for a fix was taken")
			}
		})

		t.Run("Concurrent", func(t *testing.T) {
			// Fixes and cancels of one letter at once: whatever the order,
			// one cancel wins, the others and the changes after it are
			// too late, and the history tells the same story.
			d := mustSend(lettertest.NoAddress(), portail.DocumentCreate{})
			var wg sync.WaitGroup
			var cancels, changes, late atomic.Int32
			for i := range 8 {
				wg.Go(func() {
					var err error
					if i%2 == 0 {
						_, err = docs.CancelDocument(ctx, d.ID)
						if err == nil {
							cancels.Add(1)
						}
					} else {
						_, err = docs.ChangeDocument(ctx, d.ID, portail.DocumentChange{SetRecipient: true, Recipient: typedRecipient})
						if err == nil {
							changes.Add(1)
						}
					}
					if err != nil && code(err) != portail.ETOOLATE {
						t.Error(err)
					} else if err != nil {
						late.Add(1)
					}
				})
			}
			wg.Wait()
			final, _ := docs.FindDocument(ctx, d.ID)
			h, _, _ := docs.DocumentHistory(ctx, d.ID, 0, "")
			var cancelled int
			for _, c := range h {
				if c.To == "cancelled" {
					cancelled++
				}
			}
			if cancels.Load() != 1 || final.Status != portail.DocumentCancelled || cancelled != 1 || int(cancels.Load()+changes.Load()+late.Load()) != 8 {
				t.Errorf("%d cancels, %d changes, %d too late; final %s; history %+v", cancels.Load(), changes.Load(), late.Load(), final.Status, h)
			}

			// A cancel racing the simulator's claim at the deadline: one of
			// them wins, never both.
			e := mustSend(lettertest.Letter(1), portail.DocumentCreate{})
			clk.add(15*time.Minute - time.Microsecond)
			var claimed atomic.Bool
			var cancelled2 atomic.Bool
			wg.Go(func() {
				if _, err := docs.CancelDocument(ctx, e.ID); err == nil {
					cancelled2.Store(true)
				}
			})
			wg.Go(func() {
				clk.add(time.Microsecond)
				if ok, _ := proc.Advance(context.Background(), portail.SubjectDocument, e.ID, "received", "processing"); ok {
					claimed.Store(true)
				}
			})
			wg.Wait()
			got, _ := docs.FindDocument(ctx, e.ID)
			if claimed.Load() == cancelled2.Load() || (claimed.Load() && got.Status != portail.DocumentProcessing) ||
				(cancelled2.Load() && got.Status != portail.DocumentCancelled) {
				t.Errorf("claimed %v, cancelled %v, status %s", claimed.Load(), cancelled2.Load(), got.Status)
			}
		})
	})
}

// fieldErr reports whether err is EINVALID naming field.
func fieldErr(err error, field string) bool {
	var e *portail.Error
	if !asError(err, &e) || e.Code != portail.EINVALID {
		return false
	}
	return slices.ContainsFunc(e.Fields, func(f portail.FieldError) bool { return f.Field == field })
}

// TestLetterEmptyChangeWritesNothing: a PATCH that changes nothing
// leaves the letter as it was, its history and its time of change too.
func TestLetterEmptyChangeWritesNothing(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
		db.Now = clk.now
		f := MustAccount(t, db, "empty", portail.PlanEnterprise)
		d1 := f.MustDepartment(t, "D1")
		op := f.MustUser(t, "eop", portail.RoleOperator, d1.ID, portail.AllModules)
		docs := sqldb.NewDocumentService(db, blob.Dir{Root: t.TempDir()}, sqldb.Letters{Reader: lettertest.Reader(), Tariff: portail.DefaultTariff("EUR")})
		ctx := f.as(op)
		d, err := docs.SendDocument(ctx, portail.DocumentCreate{Name: "l.pdf", DepartmentID: d1.ID, Module: portail.ModuleMail},
			bytes.NewReader(lettertest.Letter(1)))
		if err != nil {
			t.Fatal(err)
		}
		clk.add(time.Minute)
		same := d.Options.Duplex
		got, err := docs.ChangeDocument(ctx, d.ID, portail.DocumentChange{Options: portail.LetterOptionsPatch{Duplex: &same}})
		if err != nil {
			t.Fatal(err)
		}
		if !got.UpdatedAt.Equal(d.UpdatedAt) || got.PriceCents != d.PriceCents || got.Status != d.Status {
			t.Errorf("an empty change wrote the letter: %v → %v", d.UpdatedAt, got.UpdatedAt)
		}
		h, _, err := docs.DocumentHistory(ctx, d.ID, 0, "")
		if err != nil || len(h) != 1 {
			t.Errorf("history %d lines (%v), want only its creation", len(h), err)
		}
	})
}
