package portail

import (
	"context"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Single sign-on per account (C13; SPEC §9 Identity, Wave-2 details 13):
// an account's admin connects the account to its company's OpenID Connect
// provider and claims e-mail domains; people of those domains sign in
// there and come back with a portail session.

// SSOConnection is an account's connection to its OpenID Connect provider.
type SSOConnection struct {
	AccountID int64
	Issuer    string
	ClientID  string
	// ClientSecret is the provider's secret for portail, given to the
	// relying party only; the storage keeps it sealed (package secret) and
	// the settings answers say only ClientSecretSet.
	ClientSecret    string
	ClientSecretSet bool
	Domains         []string // e-mail domains, in their key form (NormalizeDomain)
	// Required turns password sign-in, resets and invitations off for the
	// users of the claimed domains.
	Required bool
	// JIT, when set, creates an unknown person of a claimed domain at
	// their first sign-in, with these defaults; nil: off.
	JIT       *SSOJIT
	UpdatedAt time.Time
}

// SSOJIT are the defaults of a user created at their first sign-in. Never
// an admin (Wave-2 details 14): an account's provider must not be able to
// mint administrators of the portal.
type SSOJIT struct {
	DepartmentID int64
	Role         Role
	Modules      ModuleSet
}

// SSOUpdate is a partial change of the settings, like a subscription
// change: a nil field is left as it is. JIT set with JITOff false replaces
// the defaults; JITOff turns just-in-time creation off.
type SSOUpdate struct {
	Issuer       *string
	ClientID     *string
	ClientSecret *string
	Domains      *[]string
	Required     *bool
	JIT          *SSOJIT
	JITOff       bool
}

// SSOMode says how a user's or an account's sign-in goes: Enabled when it
// goes through the account's provider (the account is connected and, for
// a user, the user's e-mail domain is claimed by it), Required when
// password sign-in, resets and invitations are off as well.
type SSOMode struct {
	Enabled  bool
	Required bool
}

// Bounds of the settings.
const (
	MaxSSODomains = 20
	// SSOFlowLifetime is how long a person has at the provider between
	// the start and the callback.
	SSOFlowLifetime = 10 * time.Minute
	// SSOBypassLifetime is how long a break-glass reset (portail users
	// sso-bypass) lets its user sign in with a password although their
	// account requires SSO: long enough to repair the connection.
	SSOBypassLifetime = 24 * time.Hour
)

var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// NormalizeDomain returns an e-mail domain in the form users' e-mail keys
// end with (NormalizeKey: folded, IDNA ASCII), or "" when it is not a
// valid domain with at least one dot.
func NormalizeDomain(d string) string {
	d = strings.TrimPrefix(strings.TrimSpace(d), "@")
	if strings.Contains(d, "@") {
		return "" // an address, not a domain
	}
	k := NormalizeKey("x@" + d)
	k = k[strings.LastIndexByte(k, '@')+1:]
	if len(k) > 253 || !domainPattern.MatchString(k) {
		return ""
	}
	return k
}

// EmailDomain is the domain key of an e-mail address ("" for none).
func EmailDomain(email string) string {
	k := NormalizeKey(email)
	at := strings.LastIndexByte(k, '@')
	if at < 0 {
		return ""
	}
	return k[at+1:]
}

// Apply returns the settings after the update, checked: every problem is
// said at once with the field of the API (issuer, client_id,
// client_secret, domains[i], jit.role…). The department of JIT and its
// modules are checked by the storage, which knows the account.
func (u SSOUpdate) Apply(c SSOConnection) (SSOConnection, error) {
	var v Validation
	if u.Issuer != nil {
		c.Issuer = strings.TrimSpace(*u.Issuer)
	}
	if u.ClientID != nil {
		c.ClientID = strings.TrimSpace(*u.ClientID)
	}
	if u.ClientSecret != nil {
		c.ClientSecret = *u.ClientSecret
		c.ClientSecretSet = *u.ClientSecret != ""
	}
	if u.Required != nil {
		c.Required = *u.Required
	}
	if u.JITOff {
		c.JIT = nil
	} else if u.JIT != nil {
		j := *u.JIT
		c.JIT = &j
	}
	if u.Domains != nil {
		c.Domains = nil
		if len(*u.Domains) > MaxSSODomains {
			v.Add("domains", "Claim at most 20 domains.")
		}
		for i, d := range *u.Domains {
			k := NormalizeDomain(d)
			switch {
			case k == "":
				v.Add("domains["+strconv.Itoa(i)+"]", "Enter a domain like example.com.")
			case slices.Contains(c.Domains, k):
				v.Add("domains["+strconv.Itoa(i)+"]", "This domain is listed twice.")
			default:
				c.Domains = append(c.Domains, k)
			}
		}
		slices.Sort(c.Domains)
	}
	if msg := checkIssuer(c.Issuer); msg != "" {
		v.Add("issuer", msg)
	}
	switch {
	case c.ClientID == "":
		v.Add("client_id", "Enter the client id the provider gave portail.")
	case len(c.ClientID) > 255:
		v.Add("client_id", "A client id has at most 255 characters.")
	}
	switch {
	case !c.ClientSecretSet:
		v.Add("client_secret", "Enter the client secret the provider gave portail.")
	case len(c.ClientSecret) > 1024:
		v.Add("client_secret", "A client secret has at most 1024 characters.")
	}
	if c.JIT != nil {
		switch {
		case !c.JIT.Role.Valid():
			v.Add("jit.role", "Choose a role: viewer, operator or department_admin.")
		case c.JIT.Role == RoleAdmin:
			v.Add("jit.role", "A user created at sign-in is never an admin: choose viewer, operator or department_admin.")
		}
		if c.JIT.DepartmentID == 0 {
			v.Add("jit.department_id", "Choose the department of users created at sign-in.")
		}
	}
	if err := v.Err(); err != nil {
		return c, err
	}
	return c, nil
}

// checkIssuer says what is wrong with an issuer URL, "" when nothing. It
// must be https; http only on a loopback host (a provider on the same
// machine, tests), where nobody else can read the exchange.
func checkIssuer(s string) string {
	if s == "" {
		return "Enter the issuer URL of your OpenID Connect provider."
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || len(s) > 512 {
		return "Enter the issuer as an absolute URL, like https://login.example.com/realms/acme."
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopbackHost(u.Hostname()) {
			return "The issuer must be an https URL."
		}
	default:
		return "The issuer must be an https URL."
	}
	return ""
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// SSOIdentity is what the provider's verified ID token says of a person.
type SSOIdentity struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// Check holds the provider's answer to the rules of a user's address and
// name (U1, U2): a user made just in time from it must be one an admin's
// form would have accepted. EINVALID.
func (id SSOIdentity) Check() error {
	var v Validation
	validateEmail(&v, id.Email)
	if id.Name != "" {
		validateFullName(&v, strings.TrimSpace(id.Name))
	}
	return v.Err()
}

// SSOStart is a flow begun: what the relying party needs to send the
// person to the provider. State, Nonce and Verifier are shown here once;
// the storage keeps the first two hashed and the verifier sealed.
type SSOStart struct {
	Connection SSOConnection
	State      string
	Nonce      string
	Verifier   string // PKCE code verifier (RFC 7636)
	LoginHint  string // the e-mail typed, for the provider's form
}

// SSOFlow is a flow taken back at the callback, used up: the connection
// to finish it with, the PKCE verifier and the hash of the nonce the ID
// token must carry.
type SSOFlow struct {
	ID         int64
	Connection SSOConnection
	Verifier   string
	NonceHash  string
}

// SSORefused is a sign-in portail refuses at the callback; Reason is a
// stable word for the activity log (unverified_email, foreign_domain,
// no_user, inactive, seat_limit, state, token…), the Error what the person
// is told.
type SSORefused struct {
	Reason string
	Err    *Error
}

func (e *SSORefused) Error() string { return e.Err.Error() + " reason=" + e.Reason }
func (e *SSORefused) Unwrap() error { return e.Err }

// SSORefusal is a refusal for reason, said by err.
func SSORefusal(reason string, err *Error) *SSORefused {
	return &SSORefused{Reason: reason, Err: err}
}

// SSOService keeps the SSO settings and flows (implemented by sqldb).
type SSOService interface {
	// SSOSettings returns the caller's account's connection, without its
	// secret; a zero connection when there is none. EFORBIDDEN (admins).
	SSOSettings(ctx context.Context) (*SSOConnection, error)
	// UpdateSSO changes the settings partially. EINVALID, EFORBIDDEN,
	// EDOMAINTAKEN.
	UpdateSSO(ctx context.Context, u SSOUpdate) (*SSOConnection, error)
	// DeleteSSO disconnects the account. EFORBIDDEN.
	DeleteSSO(ctx context.Context) error
	// StartSSO finds the account of a typed e-mail (by its domain) or
	// username (by its account) and begins a flow. ENOTFOUND when that
	// login's sign-in is not by SSO.
	StartSSO(ctx context.Context, login string) (*SSOStart, error)
	// TakeSSOFlow uses up the flow of a state. ETOKENINVALID when there is
	// none, it was used or it expired.
	TakeSSOFlow(ctx context.Context, state string) (*SSOFlow, error)
	// SignInSSO lets the person the provider vouched for in: an active
	// user of the account with that e-mail, or one created just in time.
	// It returns the user and a session token. EUNAUTHENTICATED (with a
	// Reason), ESEATLIMIT.
	SignInSSO(ctx context.Context, f *SSOFlow, id SSOIdentity) (*User, string, error)
	// RefuseSSO records a refused sign-in of a flow in the activity log.
	RefuseSSO(ctx context.Context, f *SSOFlow, id SSOIdentity, reason error) error
}

// SSORelyingParty speaks OpenID Connect to an account's provider
// (implemented by package sso).
type SSORelyingParty interface {
	// AuthURL is where to send the person: the provider's authorization
	// endpoint with the flow's state, nonce and PKCE challenge.
	AuthURL(ctx context.Context, s *SSOStart, redirectURL string) (string, error)
	// Exchange trades the code for tokens and verifies the ID token
	// (signature, issuer, audience, expiry, nonce). EUNAUTHENTICATED.
	Exchange(ctx context.Context, f *SSOFlow, redirectURL, code string) (SSOIdentity, error)
}
