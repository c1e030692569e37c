package portail

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Passkey is one WebAuthn credential of a user (C11): a second factor
// after the password, and on its own a sign-in without one (it is a
// discoverable credential whose authenticator verifies its user). It is a
// Factor of kind FactorWebAuthn; its ID is the factor's.
type Passkey struct {
	ID         int64
	UserID     int64
	Name       string
	Transports []string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

const (
	// PasskeyCeremonyLifetime is how long a begun ceremony waits for its
	// answer; it is used once.
	PasskeyCeremonyLifetime = 5 * time.Minute
	// MaxPasskeySignIns bounds the passwordless sign-in ceremonies alive
	// at once: anyone may begin one, and each is a row until it expires.
	MaxPasskeySignIns = 10_000
	// MaxPasskeys bounds the passkeys of one user.
	MaxPasskeys = 20
	// DefaultPasskeyName names a passkey added without a name.
	DefaultPasskeyName = "Passkey"
)

// Activity of passkeys. Adding and removing one are the entries of every
// second factor (mfa_added, mfa_removed, of kind webauthn); a passkey's
// sign-in is also a login_succeeded entry (its detail says "passkey");
// passkey_used is every use, second step included; passkey_failed an
// answer that did not verify for a known passkey.
const (
	ActivityPasskeyUsed   ActivityType = "passkey_used"
	ActivityPasskeyFailed ActivityType = "passkey_failed"
)

// ErrPasskeysOff answers every passkey route while the base URL's host is
// an IP address: WebAuthn binds a passkey to a domain name.
var ErrPasskeysOff = Errorf(ENOTFOUND, "Passkeys are off on this installation: its address (--base-url) is an IP address, and passkeys need a domain name.")

// PasskeyName trims a passkey's name, empty giving DefaultPasskeyName,
// and checks it: 1 to 100 characters. EINVALID on field "name".
func PasskeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return DefaultPasskeyName, nil
	}
	var v Validation
	if utf8.RuneCountInString(name) > 100 {
		v.Add("name", "Give the passkey a name of at most 100 characters.")
	}
	return name, v.Err()
}

// PasskeyService adds, lists and removes the caller's passkeys and signs
// people in with them. Ceremony options are the JSON a browser gives to
// navigator.credentials.create or get ({"publicKey": …}); answers are the
// PublicKeyCredential JSON it returns. Every ceremony is used once and
// lives PasskeyCeremonyLifetime. ENOTFOUND from every method while
// passkeys are off (the base URL's host is an IP address).
type PasskeyService interface {
	// PasskeysEnabled reports whether passkeys are on.
	PasskeysEnabled() bool
	// BeginPasskeyRegistration starts adding a passkey named name to the
	// signed-in caller. EUNAUTHENTICATED, EINVALID (name, too many).
	BeginPasskeyRegistration(ctx context.Context, name string) (json.RawMessage, error)
	// FinishPasskeyRegistration verifies the browser's attestation and
	// stores the passkey; name, when not empty, replaces the one given
	// at the beginning. The user's first factor comes with their
	// recovery codes, returned once (nil otherwise). EINVALID (field
	// "credential": a dead ceremony, an answer that does not verify, a
	// passkey already added).
	FinishPasskeyRegistration(ctx context.Context, name string, attestation []byte) (*Passkey, []string, error)
	// ListPasskeys lists the caller's passkeys, oldest first.
	ListPasskeys(ctx context.Context) ([]*Passkey, error)
	// RemovePasskey removes one of the caller's passkeys under the rules
	// of MFAService.RemoveFactor. ENOTFOUND, EFORBIDDEN.
	RemovePasskey(ctx context.Context, id int64) error
	// BeginPasskeySignIn starts a passwordless sign-in. ETOOMANYATTEMPTS
	// while too many are under way.
	BeginPasskeySignIn(ctx context.Context) (json.RawMessage, error)
	// PasskeySignIn verifies an assertion of a passwordless sign-in and
	// starts the session (C6) of the passkey's user; device is the
	// browser's device cookie. EUNAUTHENTICATED (the same for every
	// refusal), ETOOMANYATTEMPTS (counted as sign-in failures).
	PasskeySignIn(ctx context.Context, assertion []byte, device string) (*SignIn, error)
	// BeginPasskeyStep starts the second step of the sign-in whose
	// password step gave mfaToken, with one of that user's passkeys.
	// ETOKENINVALID, ENOTFOUND (the user has no passkey).
	BeginPasskeyStep(ctx context.Context, mfaToken string) (json.RawMessage, error)
	// CompletePasskeyStep is MFAService.CompleteMFA with an assertion
	// instead of a code: the same counts, refusals and session start.
	CompletePasskeyStep(ctx context.Context, mfaToken string, assertion []byte, device string) (*SignIn, error)
}
