package sqldb_test

import (
	"bytes"
	"testing"

	"portail"
	"portail/blob"
	"portail/internal/lettertest"
	"portail/internal/testdb"
	"portail/sqldb"
)

// BenchmarkDocumentProof measures a letter's proof of page 1 as the
// service gives it, on a letter still waiting for its address (so that
// its window may change at will): Cold renders it (a new proof version each time, as
// after a change of file or window), Cached reads the PNG kept by the
// first view, the way every later view of the letter's page is served.
//
//	go test ./sqldb -run XXX -bench DocumentProof -benchtime 20x -count 3
func BenchmarkDocumentProof(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			db := MustOpen(b, d)
			f := MustAccount(b, db, "proof", portail.PlanEnterprise)
			dept := f.MustDepartment(b, "D1")
			op := f.MustUser(b, "pop", portail.RoleOperator, dept.ID, portail.AllModules)
			docs := sqldb.NewDocumentService(db, blob.Dir{Root: b.TempDir()},
				sqldb.Letters{Reader: lettertest.Reader(), Tariff: portail.DefaultTariff("EUR")})
			ctx := f.as(op)
			doc, err := docs.SendDocument(ctx, portail.DocumentCreate{Name: "l.pdf", DepartmentID: dept.ID, Module: portail.ModuleMail},
				bytes.NewReader(lettertest.NoAddress()))
			if err != nil {
				b.Fatal(err)
			}
			left, right := portail.WindowLeft, portail.WindowRight
			b.Run("Cold", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					// Another window is another proof version: nothing
					// rendered before may be shown for it.
					b.StopTimer()
					w := &left
					if i%2 == 1 {
						w = &right
					}
					i++
					if _, err := docs.ChangeDocument(ctx, doc.ID, portail.DocumentChange{Options: portail.LetterOptionsPatch{Window: w}}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if _, err := docs.DocumentProof(ctx, doc.ID, 1); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Cached", func(b *testing.B) {
				if _, err := docs.DocumentProof(ctx, doc.ID, 1); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := docs.DocumentProof(ctx, doc.ID, 1); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
