package preflight

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portail"
)

// benchLetter is a letter of n pages written like a real one: the
// address on page 1, a body of text on every page.
func benchLetter(b testing.TB, n int) []byte {
	pages := make([]page, n)
	for i := range pages {
		var texts []textAt
		if i == 0 {
			texts = append(texts, textAt{x: 115, y: 50, size: 11, s: "Madame Anne Dupont"},
				textAt{x: 115, y: 56, size: 11, s: "Rue du Marché 12 bte 3"}, textAt{x: 115, y: 62, size: 11, s: "4000 Liège"})
		}
		for l := range 40 {
			texts = append(texts, textAt{x: 20, y: 100 + float64(l)*4.5, size: 9,
				s: fmt.Sprintf("Ligne %d de la page %d : nous vous prions de trouver ci-joint le relevé de votre compte.", l+1, i+1)})
		}
		pages[i] = page{texts: texts}
	}
	return letterPDF(b, pages...)
}

func BenchmarkInspect(b *testing.B) {
	r := testReader(b)
	for _, n := range []int{1, 10} {
		data := benchLetter(b, n)
		inspectData(b, data, 60) // the pool is up before the clock starts
		b.Run(fmt.Sprintf("pages=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), 60); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/float64(n), "ms/page")
		})
	}
}

func BenchmarkProof(b *testing.B) {
	r := testReader(b)
	data := benchLetter(b, 10)
	inspectData(b, data, 60)
	b.ReportAllocs()
	for b.Loop() {
		// Cold: the file is opened and the page drawn for every proof.
		if _, err := r.Proof(context.Background(), bytes.NewReader(data), int64(len(data)), 1, portail.WindowRight, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPoppler is the baseline: poppler drawing every page in grey
// at the same resolution and reading page 1's words with their boxes.
func BenchmarkPoppler(b *testing.B) {
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not installed (poppler-utils)", tool)
		}
	}
	dir := b.TempDir()
	for _, n := range []int{1, 10} {
		file := filepath.Join(dir, fmt.Sprintf("letter%d.pdf", n))
		if err := os.WriteFile(file, benchLetter(b, n), 0o600); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("pages=%d", n), func(b *testing.B) {
			for b.Loop() {
				if out, err := exec.Command("pdftoppm", "-r", "100", "-gray", file, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
					b.Fatalf("pdftoppm: %v %s", err, out)
				}
				if out, err := exec.Command("pdftotext", "-bbox", "-f", "1", "-l", "1", file, filepath.Join(dir, "words.html")).CombinedOutput(); err != nil {
					b.Fatalf("pdftotext: %v %s", err, out)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/float64(n), "ms/page")
		})
	}
}

// procStatus reads a field of /proc/self/status in MiB.
func procStatus(b testing.TB, field string) float64 {
	s, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, l := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// resetPeak resets VmHWM (Linux: clear_refs 5), so that the peak seen
// after is this benchmark's.
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// BenchmarkConcurrentMemory runs as many 10-page preflights at once as
// there are workers and reports the process's peak RSS above the idle
// pool's, per preflight.
func BenchmarkConcurrentMemory(b *testing.B) {
	r := testReader(b)
	data := benchLetter(b, 10)
	inspectData(b, data, 60)
	n := cap(r.slots)
	idle := procStatus(b, "VmRSS")
	resetPeak()
	for b.Loop() {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, err := r.Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), 60); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	peak := procStatus(b, "VmHWM")
	b.ReportMetric(float64(n), "concurrent")
	b.ReportMetric(idle, "idle-RSS-MiB")
	b.ReportMetric(peak, "peak-RSS-MiB")
	b.ReportMetric((peak-idle)/float64(n), "MiB/preflight")
}

// BenchmarkPoolInit is the start of a pool: compiling the module and
// the first instance, once per process.
func BenchmarkPoolInit(b *testing.B) {
	b.Run("cold", func(b *testing.B) { benchPoolInit(b, "") })
	// With the compilation cache of a previous run (filled here first).
	dir := b.TempDir()
	r := New(Config{CacheDir: dir})
	r.Close()
	b.Run("cached", func(b *testing.B) { benchPoolInit(b, dir) })
}

func benchPoolInit(b *testing.B, cache string) {
	before := procStatus(b, "VmRSS")
	var total time.Duration
	for b.Loop() {
		r := New(Config{CacheDir: cache})
		r.Start()
		<-r.ready
		if !r.Ready() {
			b.Fatal(r.err)
		}
		total += r.InitDuration()
		b.ReportMetric(procStatus(b, "VmRSS")-before, "pool-RSS-MiB")
		r.Close()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/init")
}
