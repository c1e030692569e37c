package portail

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Session is one signed-in browser or client (C6). Its token lives only in
// the cookie; the database keeps its SHA-256.
type Session struct {
	ID         int64
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute lifetime
	EndedAt    *time.Time
	EndReason  string // one of the SessionEnd* reasons
}

// Why a session ended. A replaced session answers session_replaced so that
// the browser can tell its user why (C6).
const (
	SessionEndLogout      = "logout"
	SessionEndReplaced    = "replaced"
	SessionEndPassword    = "password_changed"
	SessionEndDeactivated = "deactivated"
	SessionEndExpired     = "expired"
)

// Session lifetimes; configurable per server. The defaults are ASVS
// Level 2's (3.3.2): signed out after 30 minutes unused, and whatever the
// use after 12 hours, a working day. A browser the user signed in from
// before passes the sign-in throttle, so signing in again costs little.
const (
	DefaultSessionIdle     = 30 * time.Minute
	DefaultSessionLifetime = 12 * time.Hour
)

// TemporaryPasswordGrace is how long after the sign-in that typed a
// temporary password its session may replace it without typing it again
// (C2): the forced change follows that sign-in at once, and the password
// was checked seconds before.
const TemporaryPasswordGrace = 5 * time.Minute

// NewToken returns a random token of 32 bytes, URL-safe, and its hash, the
// only form the database stores. Tokens carry 256 bits of entropy, so a
// fast hash is enough: nobody can guess one to test against it.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the stored form of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Login is a sign-in attempt.
type Login struct {
	Login    string // username or e-mail
	Password string
	// Device names the browser (a token in a long-lived cookie). A browser
	// the user signed in from before is not held back by the lock failed
	// guesses put on the user's name (C7); a successful sign-in makes the
	// browser known. Empty for clients without one.
	Device string
}

// SignIn is the answer of a sign-in step. Token is the new session's when
// the user is in; it is empty while a second factor is still due (C11),
// and then MFAToken is the token the second step presents, Methods the
// ways the user can prove it.
type SignIn struct {
	User  *User
	Token string
	// MFAToken and Methods are set when a second factor is due.
	MFAToken string
	Methods  []string
	// MFAEnrolmentRequired: the account requires a second factor of this
	// user, who has none; they are signed in, but may only enrol.
	MFAEnrolmentRequired bool
}

// MFARequired reports whether the sign-in waits for its second factor.
func (s *SignIn) MFARequired() bool { return s.MFAToken != "" }

// AuthService signs users in and out.
type AuthService interface {
	// Login checks the credentials and, unless a second factor is due,
	// ends the user's earlier session and starts a new one (C6).
	// EUNAUTHENTICATED, ETOOMANYATTEMPTS, EACCOUNTINACTIVE.
	Login(ctx context.Context, l Login) (*SignIn, error)
	// Authenticate resolves a session token to its user and session.
	// EUNAUTHENTICATED, ESESSIONREPLACED.
	Authenticate(ctx context.Context, token string) (*User, *Session, Actor, error)
	// Logout ends the caller's session.
	Logout(ctx context.Context) error
	// ChangePassword sets the caller's password and ends their other
	// sessions. EINVALID, EUNAUTHENTICATED.
	// current may be empty while TemporaryPasswordTyped holds.
	ChangePassword(ctx context.Context, current, next string) error
	// TemporaryPasswordTyped reports whether the caller's session began,
	// less than TemporaryPasswordGrace ago, with a sign-in that typed the
	// temporary password the caller must now replace.
	TemporaryPasswordTyped(ctx context.Context) (bool, error)
	// NeedsSetup reports whether the installation has no account yet.
	NeedsSetup(ctx context.Context) (bool, error)
	// Setup creates an account and its first admin. EINVALID,
	// EUSERNAMETAKEN, EEMAILTAKEN.
	Setup(ctx context.Context, s Setup) (*Account, *User, error)
}
