package jobs

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"portail"
)

// Simulator is a stand-in for a real print partner and carrier: it moves
// documents (received → processing → printed → posted, a few failing) and
// parcels (created → in_transit → delivered, a few returned) one status
// at a time, each after it has waited Interval. For documents it is a
// print partner like any other (D9), named SimulatorPartner, claiming and
// reporting through Partners; parcels go through
// portail.ProcessingService.
//
// Every serve process may run one: a claim takes a letter once, and a
// move is conditional on the status it starts from, so no item makes the
// same move twice.
type Simulator struct {
	Store    portail.ProcessingService
	Partners PartnerDesk
	// Interval is how long an item stays in each status, and how often
	// the simulator looks.
	Interval time.Duration
	// FailureRate is the share of documents that fail in processing and
	// of parcels that come back to the sender.
	FailureRate float64
	Logger      *slog.Logger
	Now         func() time.Time
	Rand        func() float64 // in [0, 1); tests make it decide

	partner *portail.Partner // the simulator's row, once made or found
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
var simulatedMoves = movesOf(portail.LabelLifecycle, portail.LabelInTransit)

// documentMoves are the simulator's reports as a partner, read off the
// documents' life cycle the same way, last step first; received →
// processing is the claim.
var documentMoves = movesOf(portail.DocumentLifecycle, portail.DocumentProcessing)

// PartnerDesk is the print partners' side of the storage the simulator
// goes through (sqldb.PartnerService).
type PartnerDesk interface {
	EnsurePartner(ctx context.Context, name string) (*portail.Partner, error)
	ClaimDue(ctx context.Context, p *portail.Partner, limit int, before time.Time) ([]*portail.Document, error)
	Claimed(ctx context.Context, p *portail.Partner, status portail.DocumentStatus, before time.Time, limit int) ([]int64, error)
	Move(ctx context.Context, p *portail.Partner, id int64, from portail.DocumentStatus, e portail.PartnerEvent) (bool, error)
}

// SimulatorPartner is the simulator's name as a print partner; its
// history lines say they are simulated.
const SimulatorPartner = portail.SystemSimulator

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
	moved, err := s.stepDocuments(ctx, before, random)
	if err != nil {
		return moved, err
	}
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

// stepDocuments is the simulator's turn as a print partner: reports on
// the letters it holds, then a claim of those due since before.
func (s *Simulator) stepDocuments(ctx context.Context, before time.Time, random func() float64) (int, error) {
	if s.partner == nil {
		// Found or made once: Step runs in the one goroutine of Run.
		p, err := s.Partners.EnsurePartner(ctx, SimulatorPartner)
		if err != nil {
			return 0, err
		}
		s.partner = p
	}
	p := s.partner
	moved := 0
	for _, m := range documentMoves {
		from := portail.DocumentStatus(m.from)
		if from == portail.DocumentReceived {
			for {
				got, err := s.Partners.ClaimDue(ctx, p, batchSize, before)
				moved += len(got)
				if err != nil {
					return moved, err
				}
				if len(got) < batchSize {
					break
				}
			}
			continue
		}
		for {
			ids, err := s.Partners.Claimed(ctx, p, from, before, batchSize)
			if err != nil {
				return moved, err
			}
			for _, id := range ids {
				e := portail.PartnerEvent{Status: portail.DocumentStatus(m.to)}
				if m.alt != "" && random() < s.FailureRate {
					e = portail.PartnerEvent{Status: portail.DocumentStatus(m.alt), Detail: "Simulated failure (test mode)."}
				}
				if e.Status == portail.DocumentPosted {
					// A registered letter is posted with its number.
					e.TrackingNumber = "SIM" + strconv.FormatInt(id, 10)
				}
				ok, err := s.Partners.Move(ctx, p, id, from, e)
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
