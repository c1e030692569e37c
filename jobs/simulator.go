package jobs

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"portail"
)

// Simulator is a stand-in for a real print-and-post processor and carrier:
// it moves documents (received → processing → printed → posted, a few
// failing) and parcels (created → in_transit → delivered, a few returned)
// one status at a time, each after it has waited Interval. It goes
// through portail.ProcessingService like a real processor would, so
// replacing it means running another job over the same service.
//
// Every serve process may run one: a move is a conditional UPDATE that
// only one process wins, so no item makes the same move twice.
type Simulator struct {
	Store portail.ProcessingService
	// Interval is how long an item stays in each status, and how often
	// the simulator looks.
	Interval time.Duration
	// FailureRate is the share of documents that fail in processing and
	// of parcels that come back to the sender.
	FailureRate float64
	Logger      *slog.Logger
	Now         func() time.Time
	Rand        func() float64 // in [0, 1); tests make it decide
}

// simulatedMove is one step of a life cycle; with Alt, FailureRate of the
// items take Alt instead of To.
type simulatedMove struct {
	kind     portail.SubjectKind
	from, to string
	alt      string
}

// simulatedMoves are read off the life cycles: from each status that is
// not final, the usual next status, and at the one step where the
// simulator lets items fail (a document in processing, a parcel in
// transit) the first other next status that is final as Alt. They go
// from the last step back to the first, so that an item moved in a pass
// is not moved again in the same pass. Received letters are taken only
// once their wait is over (ProcessingService.Waiting).
var simulatedMoves = append(
	movesOf(portail.DocumentLifecycle, portail.DocumentProcessing),
	movesOf(portail.LabelLifecycle, portail.LabelInTransit)...)

func movesOf[S ~string](l portail.Lifecycle[S], failsAt S) []simulatedMove {
	var out []simulatedMove
	for _, s := range slices.Backward(l.Statuses) {
		to, ok := l.Forward[s]
		if !ok {
			continue
		}
		m := simulatedMove{kind: l.Kind, from: string(s), to: string(to)}
		if s == failsAt {
			// The failure is the first other next status that ends the
			// item's life (a document's processing may also go straight to
			// posted, or back to received: neither is a failure).
			for _, alt := range l.Otherwise[s] {
				if l.Final(alt) {
					m.alt = string(alt)
					break
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// Name names the job in logs.
func (s *Simulator) Name() string { return "print-and-post-simulator" }

func (s *Simulator) interval() time.Duration {
	if s.Interval > 0 {
		return s.Interval
	}
	return 5 * time.Second
}

// Run moves items along every Interval until ctx ends.
func (s *Simulator) Run(ctx context.Context) {
	periodically(ctx, s.interval(), func(ctx context.Context) error {
		_, err := s.Step(ctx)
		return err
	}, s.Logger, "print-and-post simulator")
}

// Step moves every item that has waited Interval in its status one status
// on, and returns how many this process moved.
func (s *Simulator) Step(ctx context.Context) (int, error) {
	// Its moves name it in the items' history, so that nobody takes them
	// for a real printer's or carrier's.
	ctx = portail.WithSystem(ctx, portail.SystemSimulator)
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	random := rand.Float64
	if s.Rand != nil {
		random = s.Rand
	}
	before := now().Add(-s.interval())
	moved := 0
	for _, m := range simulatedMoves {
		for {
			ids, err := s.Store.Waiting(ctx, m.kind, m.from, before, batchSize)
			if err != nil {
				return moved, err
			}
			for _, id := range ids {
				to := m.to
				if m.alt != "" && random() < s.FailureRate {
					to = m.alt
				}
				ok, err := s.Store.Advance(ctx, m.kind, id, m.from, to)
				if err != nil {
					return moved, err
				}
				if ok {
					moved++
				}
			}
			if len(ids) < batchSize {
				break
			}
		}
	}
	return moved, nil
}
