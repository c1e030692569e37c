package portail

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Lifetimes of the links sent by e-mail (C1, C5).
const (
	InvitationLifetime = 24 * time.Hour
	ResetLifetime      = time.Hour
	// EmailChangeLifetime is how long the link that confirms a new
	// address of one's own stays valid (SPEC §9 Wave-2 details 15).
	EmailChangeLifetime = 24 * time.Hour
	// MaxCodeAttempts wrong recovery codes kill a reset (C5).
	MaxCodeAttempts = 5
)

// Caps of the reset e-mails to one user, whoever asks for them (C4, C5).
// Each new reset kills the link before it, so without a cap anyone could
// keep a user's live link dead and fill their mailbox. The resets already
// sent are counted in the database, so every serve process sees them.
const (
	// MaxResetsPerWindow reset e-mails go to one user in ResetWindow.
	MaxResetsPerWindow = 3
	ResetWindow        = time.Hour
	// ResetSpacing: a self-service request this soon after the last
	// reset is ignored, silently.
	ResetSpacing = time.Minute
)

// ResetWait returns how long until another reset e-mail may go to a user
// whose recent resets were created at sent (in any order), 0 when one may
// go now. selfService adds ResetSpacing after the last reset; an admin may
// resend at once, within the hourly cap.
func ResetWait(now time.Time, sent []time.Time, selfService bool) time.Duration {
	var recent []time.Time
	for _, t := range sent {
		if now.Sub(t) < ResetWindow {
			recent = append(recent, t)
		}
	}
	slices.SortFunc(recent, time.Time.Compare)
	var wait time.Duration
	if n := len(recent); n >= MaxResetsPerWindow {
		wait = recent[n-MaxResetsPerWindow].Add(ResetWindow).Sub(now)
	}
	if n := len(recent); selfService && n > 0 {
		wait = max(wait, recent[n-1].Add(ResetSpacing).Sub(now))
	}
	return max(wait, 0)
}

// crockford is Crockford's base32 alphabet: no I, L, O or U, so a code read
// aloud or typed from paper is hard to get wrong.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewRecoveryCode returns 8 random Crockford base32 characters shown as
// XXXX-XXXX (40 bits).
func NewRecoveryCode() string {
	b := make([]byte, 8)
	rand.Read(b)
	out := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, crockford[c&31])
	}
	return string(out)
}

// NormalizeRecoveryCode accepts a code with or without the dash, in any
// case, reading I and L as 1 and O as 0 as Crockford intends. It returns
// "" when the input cannot be a code.
func NormalizeRecoveryCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
	s = strings.NewReplacer("I", "1", "L", "1", "O", "0").Replace(s)
	if len(s) != 8 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(crockford, s[i]) < 0 {
			return ""
		}
	}
	return s
}

// HashRecoveryCode returns the stored form of a code: an HMAC keyed by the
// link's token, which the database does not hold, so a stolen database does
// not let anyone try the 2^40 codes offline.
func HashRecoveryCode(token, code string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte(NormalizeRecoveryCode(code)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// NewTemporaryPassword returns a random password of 4 groups of 4
// characters (80 bits), easy to type from an e-mail.
func NewTemporaryPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	// A byte modulo 31 would favour the first 256 % 31 = 8 characters;
	// bytes from 248 = 8 × 31 up are drawn again instead, so that every
	// character is equally likely.
	const limit = 256 - 256%len(alphabet)
	var out strings.Builder
	buf := make([]byte, 32)
	for n := 0; n < 16; {
		rand.Read(buf)
		for _, c := range buf {
			if int(c) >= limit || n == 16 {
				continue
			}
			if n > 0 && n%4 == 0 {
				out.WriteByte('-')
			}
			out.WriteByte(alphabet[int(c)%len(alphabet)])
			n++
		}
	}
	return out.String()
}

// APIKey is a personal key for the REST API (C9).
type APIKey struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string // the first characters, to recognise a key in a list
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// APIKeyPrefix starts every key, so that leaked keys are easy to find.
const APIKeyPrefix = "ptl_"

// ValidateAPIKeyName checks the name a key is given: 1 to 100 characters
// once the spaces around it are trimmed (the storage keeps it trimmed).
// EINVALID on the field name.
func ValidateAPIKeyName(name string) error {
	var v Validation
	if n := utf8.RuneCountInString(strings.TrimSpace(name)); n == 0 || n > 100 {
		v.Add("name", "Give the key a name of 1 to 100 characters.")
	}
	return v.Err()
}

// CredentialService handles invitations, resets and API keys.
type CredentialService interface {
	// ResendInvitation kills the user's invitation link and sends a new one.
	// ENOTFOUND, EFORBIDDEN, ECONFLICT (the user is not invited).
	ResendInvitation(ctx context.Context, userID int64) error
	// AcceptInvitation sets the first password and activates the user.
	// ETOKENINVALID, EINVALID (the token stays usable).
	AcceptInvitation(ctx context.Context, token, newPassword string) error
	// SendPasswordReset e-mails reset instructions to a user (admins and
	// department admins). ENOTFOUND, EFORBIDDEN, ECONFLICT.
	SendPasswordReset(ctx context.Context, userID int64) error
	// ForgotPassword e-mails reset instructions to the active user with this
	// username or e-mail, and does nothing otherwise; it never says which.
	ForgotPassword(ctx context.Context, login string) error
	// CheckResetToken reports whether a reset link is live. ETOKENINVALID.
	CheckResetToken(ctx context.Context, token string) error
	// CheckInvitationToken reports whether an invitation link is live. ETOKENINVALID.
	CheckInvitationToken(ctx context.Context, token string) error
	// ResetPassword sets a new password with the link's token and the
	// recovery code, and ends every session. ETOKENINVALID, EINVALID.
	ResetPassword(ctx context.Context, token, code, newPassword string) error
	// CheckEmailChangeToken reports whether a link confirming a new address
	// is live, and returns that address. Opening the link never uses it
	// up. ETOKENINVALID.
	CheckEmailChangeToken(ctx context.Context, token string) (string, error)
	// ConfirmEmailChange makes the address of the link the user's, if no
	// other user holds it by now, and uses the link up; the old address is
	// told (C10). ETOKENINVALID, EEMAILTAKEN.
	ConfirmEmailChange(ctx context.Context, token string) error

	// CreateAPIKey makes a key for the caller and returns it once.
	CreateAPIKey(ctx context.Context, name string) (*APIKey, string, error)
	// ListAPIKeys returns the caller's live keys.
	ListAPIKeys(ctx context.Context) ([]*APIKey, error)
	// RevokeAPIKey revokes one of the caller's keys. ENOTFOUND.
	RevokeAPIKey(ctx context.Context, id int64) error
	// AuthenticateAPIKey resolves a key. EUNAUTHENTICATED.
	AuthenticateAPIKey(ctx context.Context, key string) (*User, *APIKey, Actor, error)
}
