package sqldb_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
)

// BenchmarkPartnerClaims measures taking 10,000 due letters off the queue:
// Claim4 with 4 partners claiming 100 at a time in parallel through
// PartnerService.Claim, each letter moved to processing with its history
// line; Advance, the baseline in the same run, with the processing
// service's Waiting and Advance one letter at a time, as the simulator did
// before it became a partner. claims/s is the figure to compare.
//
//	go test ./sqldb -run XXX -bench PartnerClaims -benchtime 1x -count 2
func BenchmarkPartnerClaims(b *testing.B) {
	const n = 10000
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			ctx := context.Background()
			db := MustOpen(b, d)
			f := MustAccount(b, db, "bench", portail.PlanEnterprise)
			f.noWait(b, db)
			dept := f.MustDepartment(b, "D1")
			doc, err := newDocs(b, db).SendDocument(f.as(f.admin), portail.DocumentCreate{Name: "l.pdf", DepartmentID: dept.ID, Module: portail.ModuleMail},
				strings.NewReader(minimalPDF))
			if err != nil {
				b.Fatal(err)
			}
			if err := sqldb.CloneDocument(ctx, db, doc.ID, n-1); err != nil {
				b.Fatal(err)
			}
			ps := sqldb.NewPartnerService(db)
			var partners []*portail.Partner
			for _, name := range []string{"P1", "P2", "P3", "P4"} {
				p, _, err := ps.CreatePartner(ctx, name)
				if err != nil {
					b.Fatal(err)
				}
				partners = append(partners, p)
			}
			b.Run("Claim4", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					if err := sqldb.ResetClaims(ctx, db); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					start := time.Now()
					var wg sync.WaitGroup
					var mu sync.Mutex
					total := 0
					for _, p := range partners {
						wg.Go(func() {
							for {
								got, err := ps.Claim(ctx, p, sqldb.MaxPartnerClaim)
								if err != nil {
									b.Error(err)
									return
								}
								mu.Lock()
								total += len(got)
								mu.Unlock()
								if len(got) == 0 {
									return
								}
							}
						})
					}
					wg.Wait()
					if total != n {
						b.Fatalf("claimed %d, want %d", total, n)
					}
					b.ReportMetric(float64(n)/time.Since(start).Seconds(), "claims/s")
				}
			})
			b.Run("Advance", func(b *testing.B) {
				proc := sqldb.NewProcessingService(db)
				for b.Loop() {
					b.StopTimer()
					if err := sqldb.ResetClaims(ctx, db); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					start := time.Now()
					total := 0
					for {
						ids, err := proc.Waiting(ctx, portail.SubjectDocument, "received", time.Now().Add(time.Hour), 100)
						if err != nil {
							b.Fatal(err)
						}
						for _, id := range ids {
							ok, err := proc.Advance(ctx, portail.SubjectDocument, id, "received", "processing")
							if err != nil {
								b.Fatal(err)
							}
							if ok {
								total++
							}
						}
						if len(ids) == 0 {
							break
						}
					}
					if total != n {
						b.Fatalf("advanced %d, want %d", total, n)
					}
					b.ReportMetric(float64(n)/time.Since(start).Seconds(), "claims/s")
				}
			})
		})
	}
}
