package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// The memory of a serve process (BENCHMARKS.md, "Peer benchmark"). A
// sign-in hashes with argon2id, 19 MiB a hash, password.Concurrency() of
// them at once; during a sign-in storm that is hundreds of MiB a second of
// short-lived memory. With the runtime's defaults the heap's goal rose with
// the hashes in flight, the collector let garbage pile up to it and the
// process stayed at 160 MiB and more long after the storm.
const (
	// baseMemoryLimit is the Go runtime's soft limit unless GOMEMLIMIT
	// says otherwise: near it the collector works harder rather than
	// grow the heap, and gives freed pages back to stay under it. It is
	// not a cap: a process that needs more gets it, at the cost of more
	// collection.
	baseMemoryLimit = 64 << 20
	// gcPercent is GOGC unless the environment says otherwise. The live
	// heap of a serve process is small (5–10 MiB), so the default of 100
	// collected every few MiB allocated: some 3,000 collections in a
	// benchmark run, and light reads 20–40 % slower. At 400 the
	// collector runs a third as often; the soft limit above still bounds
	// the heap during a sign-in storm (BENCHMARKS.md, "Peer benchmark",
	// run 11: at 80 MiB the peak reached 133 MiB, at 64 MiB 114).
	gcPercent = 400
	// engineMemory is added to the limit when the PDF engine starts (on
	// the first letter read): its compiled code and instances, about
	// 45 MiB and 26 MiB for each letter read at once (BENCHMARKS.md,
	// "Letters: preflight"), with room for large letters.
	engineMemory = 192 << 20
	// releaseEvery is how often an idle process gives back what it holds
	// beyond its live heap; idleAlloc is how little it must have
	// allocated since the last look to count as idle, and idleRelease how
	// much more than the live heap it must hold for a collection to be
	// worth it.
	releaseEvery = 10 * time.Second
	idleAlloc    = 8 << 20
	idleRelease  = 16 << 20
)

// memoryLimit is the soft limit memoryPolicy manages, 0 when it does not
// (GOMEMLIMIT set, or the tests, which run many sites in one process).
var memoryLimit atomic.Int64

// memoryPolicy sets the soft limit and, once a burst is over, collects and
// gives the memory back to the system at once rather than over minutes,
// until ctx ends. Only the serve process runs it, from main.
func memoryPolicy(ctx context.Context) {
	if os.Getenv("GOMEMLIMIT") == "" {
		memoryLimit.Store(baseMemoryLimit)
		debug.SetMemoryLimit(baseMemoryLimit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	go func() {
		// No collection at the start: the start's garbage is 2 MiB, and
		// collecting it cost more memory (the collector's own, and the
		// pages of the executable it reads to scan the stacks) than it
		// gave back (BENCHMARKS.md, "RSS at start").
		tick := time.NewTicker(releaseEvery)
		defer tick.Stop()
		samples := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/live:bytes"},
			{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/free:bytes"}}
		var allocated uint64
		// When a busy spell ends the process collects twice: pooled
		// memory (a password hash's 19 MiB, password/internal/argon2)
		// counts as live, survives one collection and is freed by the
		// second that finds it unused.
		busy := false
		for first := true; ; first = false {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			metrics.Read(samples)
			total, live := samples[0].Value.Uint64(), samples[1].Value.Uint64()
			held := samples[2].Value.Uint64() + samples[3].Value.Uint64()
			idle := total-allocated < idleAlloc
			allocated = total
			if first {
				continue // what the start allocated is no busy spell
			}
			for range collections(idle, busy, held, live) {
				debug.FreeOSMemory()
			}
			busy = !idle
		}
	}()
}

// collections is how many times a look of memoryPolicy collects and gives
// memory back: twice when a busy spell has just ended (see busy), once
// when an idle process holds idleRelease more than its live heap.
func collections(idle, wasBusy bool, held, live uint64) int {
	switch {
	case idle && wasBusy:
		return 2
	case idle && held > live+idleRelease:
		return 1
	}
	return 0
}

// engineStarting raises the managed limit by the PDF engine's memory, so
// that reading letters does not make the collector run without end.
func engineStarting() {
	if limit := memoryLimit.Load(); limit != 0 {
		memoryLimit.Store(limit + engineMemory)
		debug.SetMemoryLimit(limit + engineMemory)
	}
}
