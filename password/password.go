// Package password hashes passwords with argon2id and checks them against
// the rules of NIST SP 800-63B: length and a list of common passwords, no
// composition rules (C7).
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"portail/password/internal/argon2"
)

// OWASP's argon2id recommendation: 19 MiB, two passes, one lane.
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	saltLen   = 16
	keyLen    = 32
)

// Bounds on the parameters read from a stored hash. A tampered or corrupt
// hash must fail, not panic (t or p zero), exhaust memory (huge m) or run
// for hours (huge t); and an empty key would match every password. The
// bounds leave room for stronger settings than today's.
const (
	maxMemoryKiB  = 256 << 10 // 256 MiB
	maxPasses     = 16
	maxLanes      = 16
	minSaltLen    = 8
	minKeyLen     = 16
	maxSaltKeyLen = 64
)

// Each hash takes 19 MiB and a core for tens of milliseconds. Hashes run
// on Concurrency() goroutines of their own, one less than the cores (at
// least one): a login storm cannot exhaust memory, and the other requests
// keep a core (BENCHMARKS.md, "Peer benchmark").
//
// Each of those goroutines holds an operating-system thread of its own
// whose scheduling priority it lowers (nice 10, on Linux): a hash holds
// a Go scheduler slot (a P) for its whole run and the runtime preempts it
// only every 10 ms or so, so with the cores busy a request made ready by
// the network waited behind it. A server that runs with GOMAXPROCS the
// cores plus Concurrency(), as the serve command does, keeps a P per core
// for everything else, and the system gives the cores to those threads
// first; the hashes take what is left (BENCHMARKS.md, "Sign-in under
// load").
var (
	hashJobs    = make(chan hashJob)
	hashersOnce sync.Once
)

type hashJob struct {
	pw, salt []byte
	m, t, n  uint32
	p        uint8
	key      chan<- []byte
}

// Concurrency is how many hashes run at once at most: one less than
// GOMAXPROCS at start, at least one.
func Concurrency() int { return concurrency }

var concurrency = max(1, runtime.GOMAXPROCS(0)-1)

// hasher runs hashes, on a thread of its own at a lower priority, until
// the process ends (it never gives the thread back: other goroutines must
// not run at its priority).
func hasher() {
	runtime.LockOSThread()
	lowerThreadPriority()
	for j := range hashJobs {
		j.key <- argon2.IDKey(j.pw, j.salt, j.t, j.m, j.p, j.n)
	}
}

// Hash returns the PHC string of pw: $argon2id$v=19$m=…,t=…,p=…$salt$key.
func Hash(pw string) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	return phc(salt, derive([]byte(pw), salt, memoryKiB, passes, lanes, keyLen))
}

// phc is the PHC string of a key made with today's parameters.
func phc(salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, lanes,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

func derive(pw, salt []byte, m, t uint32, p uint8, n uint32) []byte {
	hashersOnce.Do(func() {
		for range concurrency {
			go hasher()
		}
	})
	key := make(chan []byte, 1)
	hashJobs <- hashJob{pw: pw, salt: salt, m: m, t: t, n: n, p: p, key: key}
	return <-key
}

// Verify reports whether pw matches the PHC string encoded. The parameters
// come from the string, so hashes made with older settings still verify.
func Verify(encoded, pw string) bool {
	m, t, p, salt, key, err := decode(encoded)
	if err != nil {
		return false
	}
	got := derive([]byte(pw), salt, m, t, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// dummy is verified when no user matches a login, so that an unknown login
// costs the same time as a wrong password (no user enumeration): the
// parameters of a real hash, a random salt and a random key, which no
// password derives. It is not made by hashing, which would allocate
// 19 MiB at start in a process that has served nobody yet (BENCHMARKS.md,
// "Peer benchmark"); its verify costs exactly what a real one does.
var dummy = func() string {
	salt, key := make([]byte, saltLen), make([]byte, keyLen)
	rand.Read(salt)
	rand.Read(key)
	return phc(salt, key)
}()

// VerifyNothing spends the time of one Verify.
func VerifyNothing(pw string) { Verify(dummy, pw) }

func decode(s string) (m, t uint32, p uint8, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return 0, 0, 0, nil, nil, errors.New("not an argon2id hash")
	}
	var v int
	if _, err = fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return 0, 0, 0, nil, nil, errors.New("unsupported argon2 version")
	}
	if _, err = fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return 0, 0, 0, nil, nil, err
	}
	if t < 1 || t > maxPasses || p < 1 || p > maxLanes || m < 8*uint32(p) || m > maxMemoryKiB {
		return 0, 0, 0, nil, nil, errors.New("argon2 parameters out of bounds")
	}
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return 0, 0, 0, nil, nil, err
	}
	if key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil {
		return 0, 0, 0, nil, nil, err
	}
	if len(salt) < minSaltLen || len(salt) > maxSaltKeyLen || len(key) < minKeyLen || len(key) > maxSaltKeyLen {
		return 0, 0, 0, nil, nil, errors.New("argon2 salt or key length out of bounds")
	}
	return m, t, p, salt, key, nil
}
