// Package preflight reads PDF letters as a printer would (SPEC D4, D5,
// D8): page sizes, ink in the margins, fonts, the text in the address
// windows of page 1, and the proofs; it also writes the address page and
// the print-ready file.
//
// The engine is PDFium compiled to WebAssembly (go-pdfium) and run by
// wazero: no cgo, and a document that crashes the engine traps its
// sandbox, not the process. New returns at once and the pool starts on
// first need (the first document read, or Start): a server that never
// reads a letter never pays its memory (some 45 MiB of compiled engine
// and a first instance; BENCHMARKS.md, "Peer benchmark"). Compiling the module
// takes seconds, 0.1 s from the cache; a call made before the pool is
// ready waits for it, bounded by its context. Build one Reader per
// process and close it on shutdown:
//
//	letters := preflight.New(preflight.Config{
//		CacheDir: filepath.Join(dataDir, "cache", "pdfium"), // optional: restarts in 0.1 s
//	})
//	defer letters.Close()
//	var _ portail.LetterReader = letters // Inspect, Proof
//	// /readyz may report letters.Ready()
//
// Inspect reports what does not depend on the options (page sizes, page
// count, ink in the margins, fonts) and the lines of both windows;
// portail.Assess judges the address against the chosen window and a typed
// recipient. A letter with a typed recipient gets AddressPageIn(recipient,
// window) in front: its proof (page 0) is AddressProof, the file the print
// partner downloads PrintReady(file, addressPage).
package preflight

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"portail"
)

// Config bounds the engine. The zero value is usable.
type Config struct {
	// Workers is the most documents read at once; at most the cores
	// (GOMAXPROCS), which is also the default, so that uploads cannot
	// starve the rest of the server.
	Workers int
	// Timeout bounds the reading of one document (default 30 s); the
	// caller's context may end it sooner.
	Timeout time.Duration
	// MemoryMiB bounds the memory of one engine instance (default 512);
	// a document that needs more is refused as unreadable.
	MemoryMiB int
	// CacheDir, when set, keeps the engine compiled to machine code
	// between runs (wazero's compilation cache): a restart then starts
	// the pool in a fraction of the time. It holds only derived data.
	CacheDir string
	// OnStart, when set, is called once as the pool begins to start,
	// before it takes its memory (some 45 MiB, then about 26 MiB per
	// instance reading at once): a process that budgets its memory
	// raises the budget then.
	OnStart func()
}

var _ portail.LetterReader = (*Reader)(nil)

// Reader is the PDF engine: a pool of PDFium instances.
type Reader struct {
	timeout time.Duration
	slots   chan struct{} // one per worker: a document holds one while read
	ready   chan struct{} // closed when the pool is up (or failed)
	pool    pdfium.Pool
	err     error // why the pool failed to start
	initDur time.Duration

	startOnce sync.Once
	init      func() // starts the pool and closes ready
	closeOnce sync.Once
}

// New returns a Reader at once; its pool starts on first need.
func New(cfg Config) *Reader {
	workers := runtime.GOMAXPROCS(0)
	if cfg.Workers > 0 && cfg.Workers < workers {
		workers = cfg.Workers
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MemoryMiB <= 0 {
		cfg.MemoryMiB = 512
	}
	r := &Reader{timeout: cfg.Timeout, slots: make(chan struct{}, workers), ready: make(chan struct{})}
	r.init = func() {
		defer close(r.ready)
		if cfg.OnStart != nil {
			cfg.OnStart()
		}
		start := time.Now()
		rc := wazero.NewRuntimeConfig().
			WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
			// So that killing an instance stops a call that runs away.
			WithCloseOnContextDone(true).
			WithMemoryLimitPages(uint32(cfg.MemoryMiB) * 16) // 64 KiB pages
		if cfg.CacheDir != "" {
			// A cache that cannot be opened only costs the time it saves.
			if cache, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir); err == nil {
				rc = rc.WithCompilationCache(cache)
			}
		}
		r.pool, r.err = webassembly.Init(webassembly.Config{
			MinIdle:  1,
			MaxIdle:  workers,
			MaxTotal: workers,
			// An instance is reused by the next document: instantiating
			// one costs more than reading a letter. One that failed is
			// killed and rebuilt (see do).
			ReuseWorkers: true,
			// The engine sees no file system: documents come as bytes.
			FSConfig:      wazero.NewFSConfig(),
			RuntimeConfig: rc,
			Stdout:        discard{},
			Stderr:        discard{},
		})
		r.initDur = time.Since(start)
	}
	return r
}

// Start starts the pool in the background, if it has not started yet, so
// that a later read need not wait for it.
func (r *Reader) Start() { r.startOnce.Do(func() { go r.init() }) }

// started reports whether the pool was ever asked to start; if it was
// not, it never will be (Close calls this).
func (r *Reader) started() bool {
	begun := true
	r.startOnce.Do(func() { begun = false })
	if !begun {
		// Do ran the empty function: the pool had not been started, and
		// now never will be by Start; mark it ready (never started) so
		// that every waiter returns.
		r.err = errors.New("preflight: the reader is closed")
		close(r.ready)
	}
	return begun
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// Ready reports whether the pool has started and can read documents
// (false until the first need or Start).
func (r *Reader) Ready() bool {
	select {
	case <-r.ready:
		return r.err == nil
	default:
		return false
	}
}

// InitDuration is how long the pool took to start; zero until it is
// ready.
func (r *Reader) InitDuration() time.Duration {
	if !r.Ready() {
		return 0
	}
	return r.initDur
}

// Close stops the pool, waiting for its start if need be.
func (r *Reader) Close() error {
	var err error
	r.closeOnce.Do(func() {
		if !r.started() {
			return
		}
		<-r.ready
		if r.pool != nil {
			err = r.pool.Close()
		}
	})
	return err
}

// errEngine marks a failure of the engine itself (a trap, a panic, a
// limit hit): the document cannot be read, the instance is rebuilt.
var errEngine = errors.New("preflight: engine failure")

// do runs fn on an instance of the pool, within the document's time
// limit. A panic, a trap or a time-out kills the instance (the pool builds
// another) and ends in an error wrapping errEngine or ctx's error.
func (r *Reader) do(ctx context.Context, fn func(pdfium.Pdfium) error) error {
	// The wait for the engine's start and for a free worker is bounded by
	// the caller alone: a document that waited its turn on a busy server
	// is not too complex for having waited.
	r.Start()
	select {
	case <-r.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	if r.err != nil {
		return fmt.Errorf("preflight: the PDF engine did not start: %w", r.err)
	}
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-r.slots }()
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	inst, err := r.pool.GetInstanceWithContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("preflight: no engine instance: %w", err)
	}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("%w: panic: %v", errEngine, p)
			}
		}()
		done <- fn(inst)
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		// The call runs on inside the engine: killing the instance
		// closes its module, which makes the call return.
		_ = inst.Kill()
		<-done
		return ctx.Err()
	}
	if err != nil && (errors.Is(err, errEngine) || isTrap(err)) {
		_ = inst.Kill()
		if errors.Is(err, errEngine) {
			return err
		}
		return fmt.Errorf("%w: %v", errEngine, err)
	}
	_ = inst.Close()
	return err
}

// isTrap reports whether err comes from the sandbox rather than from
// PDFium's answer: an instance that trapped may be in any state.
func isTrap(err error) bool {
	var exit interface{ ExitCode() uint32 }
	if errors.As(err, &exit) {
		return true
	}
	s := err.Error()
	for _, m := range []string{"wasm error", "wasm stack trace", "module closed", "out of memory", "unreachable"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}
