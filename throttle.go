package portail

import "time"

// The schedule of the sign-in throttle (C7): past a number of free
// failures each failure imposes a wait that doubles, capped at
// ThrottleMaxWait, so that an attacker is slowed to a crawl yet a real
// user is never locked out for good. A day without failures forgets them.
// The storage counts the failures (sqldb/throttle.go: under which keys,
// and before the password is checked); the schedule is stated here.
const (
	FreeSignInFailures  = 5
	FreeAddressFailures = 50 // an office behind one address has many people
	ThrottleFirstWait   = 30 * time.Second
	ThrottleMaxWait     = 15 * time.Minute
	ThrottleForgetAfter = 24 * time.Hour
)

// ThrottleKind is what failures are counted under.
type ThrottleKind int

const (
	// ThrottlePerson: a user (whatever name was typed), a name that
	// names nobody, a known browser at its user.
	ThrottlePerson ThrottleKind = iota
	// ThrottleAddress: a client address (an IPv6 /64).
	ThrottleAddress
)

// FreeFailures is how many failures under a key of the kind impose no wait.
func (k ThrottleKind) FreeFailures() int {
	if k == ThrottleAddress {
		return FreeAddressFailures
	}
	return FreeSignInFailures
}

// ThrottleWait is the wait imposed after failures failures under a key of
// the kind.
func ThrottleWait(kind ThrottleKind, failures int) time.Duration {
	free := kind.FreeFailures()
	if failures < free {
		return 0
	}
	shift := failures - free
	if shift > 10 { // 30s<<10 is past the cap already; a larger shift would overflow
		return ThrottleMaxWait
	}
	return min(ThrottleMaxWait, ThrottleFirstWait<<shift)
}
