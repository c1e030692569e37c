package web

import (
	"context"
	"log/slog"
	"net/http"
	"portail/web/request"
	"sync"
	"sync/atomic"
	"time"
)

// workQueue runs work that a request leaves for after its answer (the
// e-mail of a forgotten password) on a fixed number of workers with a
// bounded backlog. A flood fills the backlog and the rest is dropped,
// instead of one goroutine per request piling up without bound. The
// workers start with the first job, so a server that never queues any
// runs none.
type workQueue struct {
	workers, backlog int

	mu      sync.Mutex
	jobs    chan func()
	closed  bool
	wg      sync.WaitGroup
	dropped atomic.Int64
	// loggedAt (Unix seconds) and logged: the last drop log line and the
	// drops it counted.
	loggedAt, logged atomic.Int64
}

// logDrop logs that work was dropped: at most one line a second, with the
// drops since the last one, so that a flood does not flood the log too.
func (q *workQueue) logDrop(logger *slog.Logger, what string) {
	now := time.Now().Unix()
	last := q.loggedAt.Load()
	if now == last || !q.loggedAt.CompareAndSwap(last, now) {
		return
	}
	total := q.dropped.Load()
	logger.Warn("background work dropped: the queue is full", "work", what, "dropped", total-q.logged.Swap(total))
}

// Sizes of the queue of anonymous e-mail work: what arrives faster than
// two workers finish it is a flood, and a few dozen waiting jobs cover a
// burst of people.
const (
	queueWorkers = 2
	queueBacklog = 64
)

func newWorkQueue(workers, backlog int) *workQueue {
	return &workQueue{workers: workers, backlog: backlog}
}

// submit queues fn; it reports false, and fn never runs, when the backlog
// is full or the queue closed.
func (q *workQueue) submit(fn func()) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		q.dropped.Add(1)
		return false
	}
	if q.jobs == nil {
		q.jobs = make(chan func(), q.backlog)
		for range q.workers {
			q.wg.Go(func() {
				for fn := range q.jobs {
					fn()
				}
			})
		}
	}
	select {
	case q.jobs <- fn:
		return true
	default:
		q.dropped.Add(1)
		return false
	}
}

// close refuses new work and waits until the workers have finished what
// was queued.
func (q *workQueue) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		if q.jobs != nil {
			close(q.jobs)
		}
	}
	q.mu.Unlock()
	q.wg.Wait()
}

// forgot queues the work of a "forgot password" request for after the
// answer: the answer then takes the same time whether or not the login
// exists, and says nothing either way (C4). When the queue is full the
// request is dropped, and the answer is the same.
func (s *Server) forgot(r *http.Request, login string) {
	ctx := context.WithoutCancel(request.Anonymous(r))
	if !s.background.submit(func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := s.Credentials.ForgotPassword(ctx, login); err != nil {
			s.Logger.Error("forgot password", "err", err)
		}
	}) {
		s.background.logDrop(s.Logger, "forgot password")
	}
}
