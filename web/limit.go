package web

import (
	"net/http"
	"sync"
	"time"

	"portail/web/request"
)

// Anonymous routes answer anyone on the network, so each process bounds
// the work they can ask of it: a token bucket per client address and one
// for everybody, per class of route, so that a flood of one class (the
// forgot form) never takes the tokens of another (sign-in). The buckets
// live in memory: they guard this process's own CPU and memory. What
// must hold across processes (the sign-in throttle, the caps on reset
// e-mails) is counted in the database.

// Rate lets Burst requests through at once, then one more every Every. A
// zero Rate lets everything through.
type Rate struct {
	Burst int
	Every time.Duration
}

func (r Rate) unlimited() bool { return r.Burst <= 0 || r.Every <= 0 }

// Limit is the rate of one class of anonymous routes, per client address
// and for all addresses together.
type Limit struct {
	PerAddress Rate
	Global     Rate
}

// Limits are the rates of the anonymous routes.
type Limits struct {
	// Login: POST /api/v1/auth/login and the sign-in form. The database
	// throttle counts failures; this bounds the attempts themselves.
	Login Limit
	// Forgot: POST /api/v1/auth/forgot and the forgot form.
	Forgot Limit
	// Token: what takes a link's token: reset, invitation and setup,
	// their forms, and the pages that check a link when it is opened.
	Token Limit
}

// DefaultLimits are generous for people (an office behind one address,
// a user retrying a form) and turn a flood into cheap 429 answers.
func DefaultLimits() Limits {
	return Limits{
		Login:  Limit{PerAddress: Rate{Burst: 100, Every: 100 * time.Millisecond}, Global: Rate{Burst: 400, Every: 5 * time.Millisecond}},
		Forgot: Limit{PerAddress: Rate{Burst: 20, Every: 6 * time.Second}, Global: Rate{Burst: 100, Every: 50 * time.Millisecond}},
		Token:  Limit{PerAddress: Rate{Burst: 60, Every: time.Second}, Global: Rate{Burst: 300, Every: 10 * time.Millisecond}},
	}
}

// maxAddresses bounds the addresses a limiter remembers. Past it, idle
// addresses are forgotten, and while every remembered one is busy, new
// addresses share one bucket: memory stays bounded whatever the number
// of addresses a flood comes from.
const maxAddresses = 10_000

// limiter is one class's buckets.
type limiter struct {
	limit     Limit
	mu        sync.Mutex
	global    bucket
	addrs     map[string]*bucket
	overflow  bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// refill adds the tokens earned since the last visit; a new bucket is
// full.
func (b *bucket) refill(r Rate, now time.Time) {
	if b.at.IsZero() {
		b.tokens, b.at = float64(r.Burst), now
		return
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(r.Burst), b.tokens+float64(d)/float64(r.Every))
		b.at = now
	}
}

// wait is how long until the bucket holds a token.
func (b *bucket) wait(r Rate) time.Duration {
	return time.Duration((1 - b.tokens) * float64(r.Every))
}

// idle reports whether the bucket would be full by now: forgetting it
// changes nothing.
func (b *bucket) idle(r Rate, now time.Time) bool {
	return b.tokens+float64(now.Sub(b.at))/float64(r.Every) >= float64(r.Burst)
}

func newLimiter(l Limit) *limiter { return &limiter{limit: l, addrs: map[string]*bucket{}} }

// allow takes a token for addr, or says how long to wait for one.
func (l *limiter) allow(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var per *bucket
	if r := l.limit.PerAddress; !r.unlimited() {
		per = l.bucketOf(addr, now)
		per.refill(r, now)
		if per.tokens < 1 {
			return false, per.wait(r)
		}
	}
	if r := l.limit.Global; !r.unlimited() {
		l.global.refill(r, now)
		if l.global.tokens < 1 {
			return false, l.global.wait(r)
		}
		l.global.tokens--
	}
	if per != nil {
		per.tokens--
	}
	return true, 0
}

// bucketOf returns addr's bucket, making room for it if need be.
func (l *limiter) bucketOf(addr string, now time.Time) *bucket {
	if b, ok := l.addrs[addr]; ok {
		return b
	}
	// A sweep walks every address: at most once a second, so that a flood
	// from many addresses cannot make each request pay for it.
	if len(l.addrs) >= maxAddresses && now.Sub(l.lastSweep) >= time.Second {
		l.lastSweep = now
		for k, b := range l.addrs {
			if b.idle(l.limit.PerAddress, now) {
				delete(l.addrs, k)
			}
		}
	}
	if len(l.addrs) >= maxAddresses {
		return &l.overflow
	}
	b := &bucket{}
	l.addrs[addr] = b
	return b
}

// allowed takes a token of the class for the request's client, or says
// how long to wait.
func (s *Server) allowed(c request.LimitClass, r *http.Request) (bool, time.Duration) {
	s.limitersOnce.Do(func() {
		for i, l := range []Limit{s.Limits.Login, s.Limits.Forgot, s.Limits.Token} {
			s.limiters[i] = newLimiter(l)
		}
	})
	return s.limiters[c].allow(request.ClientIP(r), time.Now())
}
