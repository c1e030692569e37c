package portail

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Second factors (C11). A user's factors are of several kinds (TOTP here,
// passkeys beside it); "has a second factor" means any confirmed factor of
// any kind, and the sign-in's second step accepts any of them or an unused
// recovery code.

// FactorKind is the kind of a second factor, as GET /me/mfa shows it.
type FactorKind string

const (
	FactorTOTP     FactorKind = "totp"
	FactorWebAuthn FactorKind = "webauthn"
)

// Methods of the second step (SPEC §9 Wave-2 details 11): a factor kind,
// or a recovery code.
const (
	MethodTOTP         = string(FactorTOTP)
	MethodWebAuthn     = string(FactorWebAuthn)
	MethodRecoveryCode = "recovery_code"
)

// Factor is one second factor of a user.
type Factor struct {
	ID         int64
	Kind       FactorKind
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// MFARequirement is whom an account requires a second factor of.
type MFARequirement string

const (
	MFANone     MFARequirement = "none"
	MFAAdmins   MFARequirement = "admins" // the role admin
	MFAEveryone MFARequirement = "everyone"
)

// Valid reports whether r is one of the three settings.
func (r MFARequirement) Valid() bool { return r == MFANone || r == MFAAdmins || r == MFAEveryone }

// Requires reports whether a user of the role must have a second factor.
func (r MFARequirement) Requires(role Role) bool {
	return r == MFAEveryone || r == MFAAdmins && role == RoleAdmin
}

// MFAEnrolmentDue reports whether a user must enrol before anything else:
// the account requires a factor of their role and they have none. A
// session started by single sign-on owes none: the company's provider is
// where the second factor is asked (Wave-2 details 11).
func MFAEnrolmentDue(r MFARequirement, role Role, hasFactor, bySSO bool) bool {
	return r.Requires(role) && !hasFactor && !bySSO
}

// The second step's bounds.
const (
	// MFATokenLifetime: the password step's token lives this long.
	MFATokenLifetime = 5 * time.Minute
	// MaxMFAFailures: the wrong code of this number kills the token.
	MaxMFAFailures = 5
	// RecoveryCodeCount codes are made at a time, each used once.
	RecoveryCodeCount = 10
	// RecentSignIn: removing one factor needs a sign-in this recent.
	RecentSignIn = 10 * time.Minute
)

// TOTP parameters of RFC 6238 as C11 sets them: SHA-1, 6 digits, steps of
// 30 seconds, one step of drift either way.
const (
	TOTPPeriod = 30
	TOTPSkew   = 1
	TOTPIssuer = "portail"
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTP returns a new random secret (base32) and its otpauth:// URL for
// an authenticator app, naming the user.
func NewTOTP(account string) (secret, url string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: account, Period: TOTPPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", err
	}
	return k.Secret(), k.URL(), nil
}

// TOTPStep returns the time step of now.
func TOTPStep(now time.Time) int64 { return now.Unix() / TOTPPeriod }

// MatchTOTP checks code against secret at now, within one step of drift
// either way, and returns the step it matched. A step at or before last
// (the last step accepted for this secret) is refused, so that a code is
// accepted once: a code seen over a shoulder or replayed is worthless.
func MatchTOTP(secret, code string, now time.Time, last int64) (int64, bool) {
	code = strings.TrimSpace(strings.ReplaceAll(code, " ", ""))
	if len(code) != 6 {
		return 0, false
	}
	cur := TOTPStep(now)
	found, ok := int64(0), false
	for step := cur - TOTPSkew; step <= cur+TOTPSkew; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*TOTPPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		// Every step is computed and compared: the time taken says
		// nothing of which matched.
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step > last {
			found, ok = step, true
		}
	}
	return found, ok
}

// SecondStep is the second step of a sign-in: the password step's token
// and a code (a TOTP code or a recovery code). Device is the browser's, as
// in Login.
type SecondStep struct {
	Token  string
	Code   string
	Device string
}

// TOTPEnrolment is a TOTP secret waiting for its first code.
type TOTPEnrolment struct {
	Secret string // base32
	URL    string // otpauth://
}

// MFAService manages second factors and the second step of sign-in.
type MFAService interface {
	// CompleteMFA checks the second step and starts the session (C6).
	// EUNAUTHENTICATED (a wrong code), ETOKENINVALID (a dead token, or
	// the wrong code that kills it), ETOOMANYATTEMPTS.
	CompleteMFA(ctx context.Context, s SecondStep) (*SignIn, error)
	// Factors lists the caller's factors of every kind.
	Factors(ctx context.Context) ([]Factor, error)
	// StartTOTP makes a new secret for the caller, not active until
	// ConfirmTOTP; an earlier unconfirmed one is replaced.
	StartTOTP(ctx context.Context) (*TOTPEnrolment, error)
	// ConfirmTOTP activates the pending secret with a code of it, and
	// returns new recovery codes (shown once). EINVALID on code.
	ConfirmTOTP(ctx context.Context, code string) ([]string, error)
	// NewRecoveryCodes replaces the caller's recovery codes. EFORBIDDEN
	// without a factor.
	NewRecoveryCodes(ctx context.Context) ([]string, error)
	// RemoveFactors removes every factor of the caller and their recovery
	// codes, after checking their password. EINVALID (password),
	// EFORBIDDEN while the account requires a factor of them.
	RemoveFactors(ctx context.Context, password string) error
	// RemoveFactor removes one factor of the caller, whose session must
	// have signed in within RecentSignIn. EFORBIDDEN, ENOTFOUND.
	RemoveFactor(ctx context.Context, id int64) error
	// ResetMFA removes every factor of a user (ActResetUserMFA) and tells
	// them by e-mail. ENOTFOUND, EFORBIDDEN.
	ResetMFA(ctx context.Context, userID int64) error
	// MFARequirement is the caller's account's setting.
	MFARequirement(ctx context.Context) (MFARequirement, error)
	// SetMFARequirement sets it (ActManageAccountSecurity). EINVALID,
	// EFORBIDDEN.
	SetMFARequirement(ctx context.Context, r MFARequirement) error
}

// Invalid is the EINVALID error of one field.
func Invalid(field, message string) error {
	var v Validation
	v.Add(field, message)
	return v.Err()
}
