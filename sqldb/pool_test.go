package sqldb

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
)

// TestReadersStayOpen: bursts of as many concurrent reads as there are
// readers open them once, and later bursts find them open: no connection
// is closed as surplus between bursts (each reopened one read the schema
// again and lost its prepared statements).
func TestReadersStayOpen(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for burst := range 5 {
		// Every reader holds its rows until all of them are open, so
		// the burst needs maxReaders connections at once.
		var opened, done sync.WaitGroup
		opened.Add(maxReaders)
		errs := make(chan error, maxReaders)
		for range maxReaders {
			done.Go(func() {
				rows, err := db.read.QueryContext(ctx, `SELECT id FROM accounts`)
				opened.Done()
				if err != nil {
					errs <- err
					return
				}
				opened.Wait()
				rows.Close()
			})
		}
		done.Wait()
		close(errs)
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		st := db.read.Stats()
		if st.OpenConnections != maxReaders || st.MaxIdleClosed != 0 {
			t.Fatalf("after burst %d: %d readers open, %d closed as surplus; want %d and 0",
				burst, st.OpenConnections, st.MaxIdleClosed, maxReaders)
		}
	}
}
