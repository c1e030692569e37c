package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"portail"
	"portail/secret"
)

// SSOService implements portail.SSOService: an account's OpenID Connect
// connection, its claimed domains, the flows under way and the sign-in
// they end in (C13). The secret is sealed with keys; sessions start as
// auth's do.
type SSOService struct {
	db   *DB
	keys *secret.Keys
	auth *AuthService
}

// NewSSOService returns the SSO service over auth's database, whose
// sessions it starts; keys seal the client secrets and PKCE verifiers.
func NewSSOService(auth *AuthService, keys *secret.Keys) *SSOService {
	return &SSOService{db: auth.db, keys: keys, auth: auth}
}

var _ portail.SSOService = (*SSOService)(nil)

// The seam other parts of storage ask (SCIM, invitations, resets, the
// password sign-in): does this account's, or this user's, sign-in go
// through SSO, and is it required.

// accountSSO says whether the account is connected to a provider, and
// whether it requires SSO of its claimed domains' users.
func accountSSO(tx *Tx, accountID int64) (portail.SSOMode, error) {
	var required bool
	err := tx.queryRow(`SELECT required FROM sso_connections WHERE account_id = ?`, accountID).Scan(&required)
	if errors.Is(err, sql.ErrNoRows) {
		return portail.SSOMode{}, nil
	}
	return portail.SSOMode{Enabled: err == nil, Required: required}, err
}

// emailSSO says whether a user of the account with this address signs in
// through the account's provider: the account is connected and claims
// the address's domain. Required then turns passwords, resets and
// invitations off for them (Wave-2 details 13).
func emailSSO(tx *Tx, accountID int64, email string) (portail.SSOMode, error) {
	domain := portail.EmailDomain(email)
	if domain == "" {
		return portail.SSOMode{}, nil
	}
	var required bool
	err := tx.queryRow(`SELECT c.required FROM sso_domains d JOIN sso_connections c ON c.account_id = d.account_id
		WHERE d.domain = ? AND d.account_id = ?`, domain, accountID).Scan(&required)
	if errors.Is(err, sql.ErrNoRows) {
		return portail.SSOMode{}, nil
	}
	return portail.SSOMode{Enabled: err == nil, Required: required}, err
}

// passwordsOff says whether the user's account requires SSO of them and
// no break-glass reset (portail users sso-bypass) lifts it for now.
func passwordsOff(tx *Tx, u *portail.User) (bool, error) {
	m, err := emailSSO(tx, u.AccountID, u.Email)
	if err != nil || !m.Required {
		return false, err
	}
	var until sql.NullInt64
	if err := tx.queryRow(`SELECT sso_bypass_until FROM users WHERE id = ?`, u.ID).Scan(&until); err != nil {
		return false, err
	}
	return !(until.Valid && until.Int64 > micros(tx.now)), nil
}

// AccountSSO says whether the account signs in through SSO, and whether
// it requires it (for SCIM: no invitation e-mail for an account that
// uses SSO).
func (db *DB) AccountSSO(ctx context.Context, accountID int64) (m portail.SSOMode, err error) {
	err = db.readTx(ctx, func(tx *Tx) error { m, err = accountSSO(tx, accountID); return err })
	return m, err
}

// UserSSO says whether the user signs in through their account's provider
// (their domain is claimed by it), and whether it is required.
func (db *DB) UserSSO(ctx context.Context, userID int64) (m portail.SSOMode, err error) {
	err = db.readTx(ctx, func(tx *Tx) error {
		u, err := findUserByID(tx, userID)
		if err != nil {
			return err
		}
		m, err = emailSSO(tx, u.AccountID, u.Email)
		return err
	})
	return m, err
}

var errSSORequired = portail.Errorf(portail.ESSOREQUIRED, "Your organisation signs you in through its own sign-in page: use \"Sign in with single sign-on\".")

var errResetSSO = portail.Errorf(portail.ECONFLICT, "This user signs in through the account's single sign-on, which is required: portail sends them no password reset.")

// onboardBySSO is the onboarding of a user whose account requires SSO of
// their domain: no invitation nor temporary password, the user is
// active without a password (Wave-2 details 13). done is false for
// anyone else, whom the caller onboards as usual.
func onboardBySSO(tx *Tx, u *portail.User) (done bool, err error) {
	m, err := emailSSO(tx, u.AccountID, u.Email)
	if err != nil || !m.Required {
		return false, err
	}
	if err := killTokens(tx, u.ID, "invitation"); err != nil {
		return false, err
	}
	if _, err := tx.exec(`UPDATE users SET status = 'active', password_change_required = ?, updated_at = ? WHERE id = ?`,
		false, micros(tx.now), u.ID); err != nil {
		return false, err
	}
	u.Status, u.PasswordChangeRequired = portail.StatusActive, false
	return true, nil
}

// loadSSO reads an account's connection with its sealed secret; nil when
// the account has none.
func loadSSO(tx *Tx, accountID int64) (*portail.SSOConnection, string, error) {
	c := portail.SSOConnection{AccountID: accountID}
	var sealed string
	var jitDept sql.NullInt64
	var jitRole sql.NullString
	var jitModules int
	var updated int64
	err := tx.queryRow(`SELECT issuer, client_id, client_secret, required, jit_department_id, jit_role, jit_modules, updated_at
		FROM sso_connections WHERE account_id = ?`, accountID).
		Scan(&c.Issuer, &c.ClientID, &sealed, &c.Required, &jitDept, &jitRole, &jitModules, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	} else if err != nil {
		return nil, "", err
	}
	c.ClientSecretSet, c.UpdatedAt = sealed != "", fromMicros(updated)
	if jitRole.Valid {
		role, _ := portail.ParseRole(jitRole.String)
		c.JIT = &portail.SSOJIT{DepartmentID: jitDept.Int64, Role: role, Modules: portail.ModuleSet(jitModules)}
	}
	rows, err := tx.query(`SELECT domain FROM sso_domains WHERE account_id = ? ORDER BY domain`, accountID)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, "", err
		}
		c.Domains = append(c.Domains, d)
	}
	return &c, sealed, rows.Err()
}

// connectedSSO is loadSSO of an account that must be connected: missing
// when it is not (any more).
func connectedSSO(tx *Tx, accountID int64, missing error) (*portail.SSOConnection, string, error) {
	conn, sealed, err := loadSSO(tx, accountID)
	if err == nil && conn == nil {
		err = missing
	}
	return conn, sealed, err
}

func (s *SSOService) manager(ctx context.Context) (portail.Caller, error) {
	c := portail.CallerFrom(ctx)
	if c.Actor.UserID == 0 {
		return c, portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	if !portail.Can(c.Actor, portail.ActManageSSO, portail.Resource{AccountID: c.Actor.AccountID}) {
		return c, portail.ErrForbidden()
	}
	return c, nil
}

// SSOSettings returns the caller's account's connection without its
// secret; a connection with no issuer when there is none. EFORBIDDEN.
func (s *SSOService) SSOSettings(ctx context.Context) (*portail.SSOConnection, error) {
	c, err := s.manager(ctx)
	if err != nil {
		return nil, err
	}
	var conn *portail.SSOConnection
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		conn, _, err = loadSSO(tx, c.Actor.AccountID)
		return err
	})
	if err == nil && conn == nil {
		conn = &portail.SSOConnection{AccountID: c.Actor.AccountID}
	}
	return conn, err
}

// UpdateSSO changes the settings partially (an absent field unchanged).
// A new domain is refused while another account claims it or has users
// with addresses in it (EDOMAINTAKEN); turning "required" on (or
// claiming a domain while it is on) makes that domain's invited users
// active without a password and kills their invitation and reset links.
// EINVALID, EFORBIDDEN, EDOMAINTAKEN.
func (s *SSOService) UpdateSSO(ctx context.Context, upd portail.SSOUpdate) (*portail.SSOConnection, error) {
	c, err := s.manager(ctx)
	if err != nil {
		return nil, err
	}
	var sealed string
	if upd.ClientSecret != nil && *upd.ClientSecret != "" {
		if sealed, err = s.keys.Seal(*upd.ClientSecret); err != nil {
			return nil, err
		}
	}
	var out *portail.SSOConnection
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// The account row lock orders this change after any other of the
		// account's settings and seats.
		acct, err := lockAccount(tx, c.Actor.AccountID)
		if err != nil {
			return err
		}
		old, oldSealed, err := loadSSO(tx, acct.ID)
		if err != nil {
			return err
		}
		base := portail.SSOConnection{AccountID: acct.ID}
		if old != nil {
			base = *old
		}
		next, invalid := upd.Apply(base)
		if err := portail.JoinInvalid(invalid, checkJIT(tx, acct, next.JIT)); err != nil {
			return err
		}
		if sealed == "" {
			sealed = oldSealed
		}
		added := slices.DeleteFunc(slices.Clone(next.Domains), func(d string) bool { return slices.Contains(base.Domains, d) })
		if err := domainsFree(tx, acct.ID, added, upd.Domains); err != nil {
			return err
		}
		var jitDept sql.NullInt64
		var jitRole sql.NullString
		var jitModules int
		if next.JIT != nil {
			jitDept = nullID(next.JIT.DepartmentID)
			jitRole = sql.NullString{String: next.JIT.Role.String(), Valid: true}
			jitModules = int(next.JIT.Modules)
		}
		if old == nil {
			_, err = tx.exec(`INSERT INTO sso_connections (account_id, issuer, client_id, client_secret, required, jit_department_id,
				jit_role, jit_modules, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, acct.ID, next.Issuer,
				next.ClientID, sealed, next.Required, jitDept, jitRole, jitModules, micros(tx.now), micros(tx.now))
		} else {
			_, err = tx.exec(`UPDATE sso_connections SET issuer = ?, client_id = ?, client_secret = ?, required = ?,
				jit_department_id = ?, jit_role = ?, jit_modules = ?, updated_at = ? WHERE account_id = ?`, next.Issuer,
				next.ClientID, sealed, next.Required, jitDept, jitRole, jitModules, micros(tx.now), acct.ID)
		}
		if err != nil {
			return err
		}
		if upd.Domains != nil {
			if _, err := tx.exec(`DELETE FROM sso_domains WHERE account_id = ?`, acct.ID); err != nil {
				return err
			}
			for _, d := range next.Domains {
				if _, err := tx.exec(`INSERT INTO sso_domains (domain, account_id, created_at) VALUES (?, ?, ?)`, d, acct.ID, micros(tx.now)); err != nil {
					return err
				}
			}
		}
		if next.Required {
			if err := ssoRequiredNow(tx, c, acct.ID, next.Domains); err != nil {
				return err
			}
		}
		if err := logActivity(tx, c, acct.ID, 0, portail.ActivitySSOSettings, ssoChanges(old, &next, upd.ClientSecret != nil)); err != nil {
			return err
		}
		next.ClientSecret = ""
		next.UpdatedAt = tx.now
		out = &next
		return nil
	})
	if isUniqueViolation(err) {
		// Another account claimed one of the domains between the check
		// and the insert; the primary key refused it.
		return nil, portail.Errorf(portail.EDOMAINTAKEN, "One of these domains was just claimed by another account.")
	}
	return out, err
}

// checkJIT checks the just-in-time defaults against the account: a
// department of its own, modules it subscribes to.
func checkJIT(tx *Tx, acct *portail.Account, j *portail.SSOJIT) error {
	if j == nil {
		return nil
	}
	var v portail.Validation
	if j.DepartmentID != 0 {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM departments WHERE id = ? AND account_id = ?`, j.DepartmentID, acct.ID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			v.Add("jit.department_id", "Choose one of the account's departments.")
		}
	}
	if !j.Modules.SubsetOf(acct.Modules) {
		v.Add("jit.modules", "Grant only modules the account subscribes to.")
	}
	return v.Err()
}

// domainElsewhere refuses an address of a domain another account claims
// (userConflict's rule, for every way a user gets an address: an admin, an
// import, SCIM, a confirmed change of one's own).
func domainElsewhere(tx *Tx, accountID int64, email string) error {
	d := portail.EmailDomain(email)
	if d == "" {
		return nil
	}
	if claimed, err := claimedElsewhere(tx, accountID, d); err != nil || !claimed {
		return err
	}
	e := portail.Errorf(portail.EEMAILTAKEN, "This address is of a domain another account of this installation signs in with.")
	e.Fields = []portail.FieldError{{Field: "email", Message: e.Message}}
	return e
}

// claimedElsewhere reports whether an account other than accountID
// claims domain.
func claimedElsewhere(tx *Tx, accountID int64, domain string) (bool, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM sso_domains WHERE domain = ? AND account_id <> ?`, domain, accountID).Scan(&n)
	return n > 0, err
}

// domainsFree refuses a domain another account claims or has users in
// (Wave-2 details 13): a domain belongs to one account, and claiming it
// must not send another account's people to a foreign provider. The
// field error names the domain's place in the request.
func domainsFree(tx *Tx, accountID int64, added []string, asked *[]string) error {
	for _, d := range added {
		claimed, err := claimedElsewhere(tx, accountID, d)
		if err != nil {
			return err
		}
		if !claimed {
			// Domains hold only [a-z0-9.-] (NormalizeDomain), so LIKE
			// sees no wildcard in them.
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE email_key LIKE ? AND account_id <> ?`, "%@"+d, accountID).Scan(&n); err != nil {
				return err
			}
			claimed = n > 0
		}
		if claimed {
			e := portail.Errorf(portail.EDOMAINTAKEN, "This domain is used by another account of this installation.")
			for i, a := range *asked {
				if portail.NormalizeDomain(a) == d {
					e.Fields = []portail.FieldError{{Field: "domains[" + strconv.Itoa(i) + "]", Message: e.Message}}
					break
				}
			}
			return e
		}
	}
	return nil
}

// ssoRequiredNow applies "required" to the users of the claimed domains:
// their pending invitation and reset links die, and an invited one is
// active without a password (Wave-2 details 13), since they will sign in
// at the provider.
func ssoRequiredNow(tx *Tx, c portail.Caller, accountID int64, domains []string) error {
	for _, d := range domains {
		ids, err := tx.ids(`SELECT id FROM users WHERE account_id = ? AND email_key LIKE ? AND status <> 'inactive'`, accountID, "%@"+d)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := killTokens(tx, id, "invitation"); err != nil {
				return err
			}
			if err := killTokens(tx, id, "reset"); err != nil {
				return err
			}
			res, err := tx.exec(`UPDATE users SET status = 'active', updated_at = ? WHERE id = ? AND status = 'invited'`, micros(tx.now), id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			u, err := findUserByID(tx, id)
			if err != nil {
				return err
			}
			if err := logActivity(tx, c, accountID, id, portail.ActivityUserUpdated, portail.Detail{}.Words("sso").Add("status", string(portail.StatusActive))); err != nil {
				return err
			}
			if err := emitUserEvent(tx, portail.EventUserUpdated, u); err != nil {
				return err
			}
		}
	}
	return nil
}

// In the detail of a settings change: the secret is only said changed,
// the domains are listed comma-separated.
const (
	secretChanged = "changed"
	domainSep     = ","
)

// ssoChanges is the activity detail of a settings change: what changed,
// never the secret itself.
func ssoChanges(old, next *portail.SSOConnection, secret bool) portail.Detail {
	d := portail.Detail{}
	if old == nil {
		d = d.Words("connected")
		old = &portail.SSOConnection{}
	}
	if old.Issuer != next.Issuer {
		d = d.Add("issuer", next.Issuer)
	}
	if old.ClientID != next.ClientID {
		d = d.Add("client_id", next.ClientID)
	}
	if secret {
		d = d.Add("client_secret", secretChanged)
	}
	if !slices.Equal(old.Domains, next.Domains) {
		d = d.Add("domains", strings.Join(next.Domains, domainSep))
	}
	if old.Required != next.Required {
		d = d.Add("required", strconv.FormatBool(next.Required))
	}
	if (old.JIT == nil) != (next.JIT == nil) || old.JIT != nil && *old.JIT != *next.JIT {
		jit := "off"
		if j := next.JIT; j != nil {
			jit = j.Role.String() + "/" + strconv.FormatInt(j.DepartmentID, 10) + "/" + j.Modules.String()
		}
		d = d.Add("jit", jit)
	}
	return d
}

// DeleteSSO disconnects the account: its connection, domains and flows
// go; users keep their passwords (or set one through a reset). EFORBIDDEN.
func (s *SSOService) DeleteSSO(ctx context.Context) error {
	c, err := s.manager(ctx)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if _, err := lockAccount(tx, c.Actor.AccountID); err != nil {
			return err
		}
		res, err := tx.exec(`DELETE FROM sso_connections WHERE account_id = ?`, c.Actor.AccountID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		for _, q := range []string{`DELETE FROM sso_domains WHERE account_id = ?`, `DELETE FROM sso_flows WHERE account_id = ?`} {
			if _, err := tx.exec(q, c.Actor.AccountID); err != nil {
				return err
			}
		}
		return logActivity(tx, c, c.Actor.AccountID, 0, portail.ActivitySSOSettings, portail.Detail{}.Words("disconnected"))
	})
}

var errNoSSO = portail.Errorf(portail.ENOTFOUND, "This login does not sign in through single sign-on.")

// StartSSO begins a flow for a typed login: an e-mail is routed by its
// domain alone (whether such a user exists is not asked, so nothing is
// told of it), a username by its account when the user's domain is
// claimed by it (Wave-2 details 13 accepts that this says the username
// belongs to an SSO account). ENOTFOUND otherwise.
func (s *SSOService) StartSSO(ctx context.Context, login string) (*portail.SSOStart, error) {
	key := portail.NormalizeKey(login)
	if key == "" {
		return nil, errNoSSO
	}
	state, stateHash := portail.NewToken()
	nonce, nonceHash := portail.NewToken()
	verifier, _ := portail.NewToken() // 43 characters of base64url: a valid RFC 7636 verifier
	sealedVerifier, err := s.keys.Seal(verifier)
	if err != nil {
		return nil, err
	}
	start := &portail.SSOStart{State: state, Nonce: nonce, Verifier: verifier}
	var sealed string
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		var accountID int64
		if strings.Contains(key, "@") {
			start.LoginHint = strings.TrimSpace(login)
			err := tx.queryRow(`SELECT account_id FROM sso_domains WHERE domain = ?`, portail.EmailDomain(key)).Scan(&accountID)
			if errors.Is(err, sql.ErrNoRows) {
				return errNoSSO
			} else if err != nil {
				return err
			}
		} else {
			u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE username_key = ?`, key))
			if errors.Is(err, sql.ErrNoRows) {
				return errNoSSO
			} else if err != nil {
				return err
			}
			if m, err := emailSSO(tx, u.AccountID, u.Email); err != nil {
				return err
			} else if !m.Enabled {
				return errNoSSO
			}
			accountID = u.AccountID
		}
		conn, secret, err := connectedSSO(tx, accountID, errNoSSO)
		if err != nil {
			return err
		}
		start.Connection, sealed = *conn, secret
		// Flows are short-lived; the expired ones go as new ones come.
		if _, err := tx.exec(`DELETE FROM sso_flows WHERE expires_at < ?`, micros(tx.now.Add(-time.Hour))); err != nil {
			return err
		}
		_, err = tx.exec(`INSERT INTO sso_flows (account_id, state_hash, nonce_hash, verifier, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, accountID, stateHash, nonceHash, sealedVerifier, micros(tx.now), micros(tx.now.Add(portail.SSOFlowLifetime)))
		return err
	})
	if err != nil {
		return nil, err
	}
	if start.Connection.ClientSecret, err = s.keys.Open(sealed); err != nil {
		return nil, err
	}
	return start, nil
}

// What a person refused at the callback is told: never whether another
// account has their address.
var (
	errSSOUnverified = portail.Errorf(portail.EUNAUTHENTICATED, "Your organisation's sign-in service has not verified your e-mail address: portail lets in verified addresses only.")
	errSSOForeign    = portail.Errorf(portail.EUNAUTHENTICATED, "Your e-mail address is not of a domain your account signs in with.")
	errSSONoUser     = portail.Errorf(portail.EUNAUTHENTICATED, "Your account has no user with your e-mail address. Ask an administrator of your account to add you.")
	errSSOBadEmail   = portail.Errorf(portail.EUNAUTHENTICATED, "Your organisation's sign-in service sent an e-mail address or a name portail cannot keep. Ask an administrator of your account to add you.")
)

var errFlowInvalid = portail.Errorf(portail.ETOKENINVALID, "This sign-in is not valid any more: it was used or has expired. Start again from the sign-in page.")

// TakeSSOFlow uses up the flow of a state: once, before its expiry, and
// only while its account is still connected. ETOKENINVALID.
func (s *SSOService) TakeSSOFlow(ctx context.Context, state string) (*portail.SSOFlow, error) {
	if state == "" || len(state) > 128 {
		return nil, errFlowInvalid
	}
	var f portail.SSOFlow
	var sealedVerifier, sealedSecret string
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		hash := portail.HashToken(state)
		// The conditional update is the single use: of two callbacks
		// with one state, on any process, one changes the row.
		n, err := execCount(tx.exec(`UPDATE sso_flows SET used_at = ? WHERE state_hash = ? AND used_at IS NULL AND expires_at > ?`,
			micros(tx.now), hash, micros(tx.now)))
		if err != nil {
			return err
		}
		if n == 0 {
			return errFlowInvalid
		}
		var accountID int64
		if err := tx.queryRow(`SELECT id, account_id, nonce_hash, verifier FROM sso_flows WHERE state_hash = ?`, hash).
			Scan(&f.ID, &accountID, &f.NonceHash, &sealedVerifier); err != nil {
			return err
		}
		conn, secret, err := connectedSSO(tx, accountID, errFlowInvalid)
		if err != nil {
			return err
		}
		f.Connection, sealedSecret = *conn, secret
		return nil
	})
	if err != nil {
		return nil, err
	}
	if f.Verifier, err = s.keys.Open(sealedVerifier); err != nil {
		return nil, err
	}
	if f.Connection.ClientSecret, err = s.keys.Open(sealedSecret); err != nil {
		return nil, err
	}
	return &f, nil
}

// SignInSSO lets in the person the provider vouched for: only a verified
// e-mail of a domain the account claims, matching an active (or invited,
// who becomes active: the provider proved the address) user of the
// account, or a user created just in time within the seats. The session
// starts as any sign-in's (C6: it ends the earlier one). A refusal is a
// *portail.SSORefused (its Err unauthenticated, or the seat_limit error
// of §4), recorded by the caller with RefuseSSO.
func (s *SSOService) SignInSSO(ctx context.Context, f *portail.SSOFlow, id portail.SSOIdentity) (*portail.User, string, error) {
	caller := portail.CallerFrom(ctx)
	if !id.EmailVerified {
		return nil, "", portail.SSORefusal("unverified_email", errSSOUnverified)
	}
	domain := portail.EmailDomain(id.Email)
	if domain == "" || !slices.Contains(f.Connection.Domains, domain) {
		return nil, "", portail.SSORefusal("foreign_domain", errSSOForeign)
	}
	for attempt := 1; ; attempt++ {
		u, token, err := s.signInSSO(ctx, caller, f, id)
		// A user made just in time may take a username another account's
		// sign-in took at the same moment (usernames are the
		// installation's, the lock the account's): the unique index
		// refuses it, and the next attempt sees the name taken.
		if isUniqueViolation(err) && attempt < 3 {
			continue
		}
		return u, token, err
	}
}

func (s *SSOService) signInSSO(ctx context.Context, caller portail.Caller, f *portail.SSOFlow, id portail.SSOIdentity) (*portail.User, string, error) {
	var u *portail.User
	var token string
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		acct, err := lockAccount(tx, f.Connection.AccountID)
		if err != nil {
			return err
		}
		// Asked again here: the admin may have let the domain go since
		// the flow began.
		if m, err := emailSSO(tx, acct.ID, id.Email); err != nil {
			return err
		} else if !m.Enabled {
			return portail.SSORefusal("foreign_domain", errSSOForeign)
		}
		u, err = scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE email_key = ?`, portail.NormalizeKey(id.Email)))
		if errors.Is(err, sql.ErrNoRows) {
			u, err = nil, nil
		}
		if err != nil {
			return err
		}
		switch {
		case u != nil && u.AccountID != acct.ID:
			return portail.SSORefusal("no_user", errSSONoUser)
		case u != nil && u.Status == portail.StatusInactive:
			return &portail.SSORefused{Reason: "inactive", Err: errInactive}
		case u != nil:
			// The status again under the lock: a deactivation committed
			// since the read must win over this sign-in.
			if st, _, err := lockUser(tx, u.ID); err != nil {
				return err
			} else if st == portail.StatusInactive {
				return &portail.SSORefused{Reason: "inactive", Err: errInactive}
			}
			if u.Status == portail.StatusInvited {
				if err := activateBySSO(tx, caller, u); err != nil {
					return err
				}
			}
		default:
			if f.Connection.JIT == nil {
				return portail.SSORefusal("no_user", errSSONoUser)
			}
			if err := acct.CheckSeats(tx.now, 1); err != nil {
				var e *portail.Error
				errors.As(err, &e)
				return &portail.SSORefused{Reason: "seat_limit", Err: e}
			}
			if u, err = createJIT(tx, caller, acct, f.Connection.JIT, id); err != nil {
				return err
			}
		}
		// The one session start of every sign-in (C6: it ends the earlier
		// session); no second factor is asked here, the provider's job
		// (Wave-2 details 11).
		token, err = s.auth.startSession(tx, caller, u, sessionStart{Detail: portail.Detail{}.Words("sso"), SSO: true})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// activateBySSO makes an invited user active without a password: the
// provider proved the address the invitation was sent to, which dies.
func activateBySSO(tx *Tx, c portail.Caller, u *portail.User) error {
	if err := killTokens(tx, u.ID, "invitation"); err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE users SET status = 'active', updated_at = ? WHERE id = ?`, micros(tx.now), u.ID); err != nil {
		return err
	}
	u.Status = portail.StatusActive
	c.Actor.UserID = u.ID
	if err := logActivity(tx, c, u.AccountID, u.ID, portail.ActivityUserUpdated, portail.Detail{}.Words("sso").Add("status", string(portail.StatusActive))); err != nil {
		return err
	}
	return emitUserEvent(tx, portail.EventUserUpdated, u)
}

// createJIT creates the user of a first sign-in with the account's
// defaults, active and without a password. The username is the
// address's local part made valid, with a number added while it is
// taken.
func createJIT(tx *Tx, caller portail.Caller, acct *portail.Account, j *portail.SSOJIT, id portail.SSOIdentity) (*portail.User, error) {
	if id.Check() != nil {
		return nil, portail.SSORefusal("invalid_identity", errSSOBadEmail)
	}
	base := jitUsername(id.Email)
	username := base
	for n := 2; ; n++ {
		var taken int
		if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE username_key = ?`, portail.NormalizeKey(username)).Scan(&taken); err != nil {
			return nil, err
		}
		if taken == 0 {
			break
		}
		username = base + "-" + strconv.Itoa(n)
	}
	name := strings.TrimSpace(id.Name)
	if name == "" || len(name) > 200 {
		name = username
	}
	uid, err := tx.insert(`INSERT INTO users (account_id, username, username_key, full_name, email, email_key, role,
		department_id, modules, status, language, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
		acct.ID, username, portail.NormalizeKey(username), name, id.Email, portail.NormalizeKey(id.Email), j.Role.String(),
		nullID(j.DepartmentID), int(j.Modules&acct.Modules), portail.DefaultLanguage, micros(tx.now), micros(tx.now))
	if err != nil {
		return nil, err
	}
	u, err := findUser(tx, acct.ID, uid)
	if err != nil {
		return nil, err
	}
	// The system created the user, at the provider's word.
	c := caller
	c.Actor = portail.Actor{}
	if err := logActivity(tx, c, acct.ID, u.ID, portail.ActivityUserCreated, portail.Detail{}.Words("sso").
		Add("username", u.Username).Add("role", u.Role.String()).Add("department_id", strconv.FormatInt(u.DepartmentID, 10)).
		Add("modules", u.Modules.String())); err != nil {
		return nil, err
	}
	return u, emitUserEvent(tx, portail.EventUserCreated, u)
}

// jitUsername makes a valid username of an address's local part: the
// letters, digits and . _ - kept, anything else a "-", 2 to 60
// characters.
func jitUsername(email string) string {
	local := email
	if at := strings.LastIndexByte(email, '@'); at >= 0 {
		local = email[:at]
	}
	var b strings.Builder
	for _, r := range strings.ToLower(local) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), ".-_")
	if len(s) > 60 {
		s = s[:60]
	}
	for len(s) < 2 {
		s += "0"
	}
	return s
}

// RefuseSSO records a refused sign-in: a login_failed entry about the
// user of that address when the account has one, else about nobody, in
// the account of the flow.
func (s *SSOService) RefuseSSO(ctx context.Context, f *portail.SSOFlow, id portail.SSOIdentity, reason error) error {
	c := portail.CallerFrom(ctx)
	why := "refused"
	var r *portail.SSORefused
	if errors.As(reason, &r) {
		why = r.Reason
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		var userID int64
		if id.Email != "" {
			err := tx.queryRow(`SELECT id FROM users WHERE email_key = ? AND account_id = ?`, portail.NormalizeKey(id.Email), f.Connection.AccountID).Scan(&userID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		d := portail.Detail{}.Words("sso").Add("reason", why)
		if id.Email != "" {
			d = d.Add("email", id.Email)
		}
		return logActivity(tx, c, f.Connection.AccountID, userID, portail.ActivityLoginFailed, d)
	})
}

// SSOBypass is the break-glass of an account that requires SSO and whose
// provider fails (portail users sso-bypass): a reset link for the user,
// printed rather than e-mailed, and password sign-in allowed to them for
// portail.SSOBypassLifetime. It returns the link's token and recovery
// code. ENOTFOUND, ECONFLICT (an inactive user).
func (db *DB) SSOBypass(ctx context.Context, username string) (token, code string, err error) {
	err = db.writeTx(ctx, func(tx *Tx) error {
		u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE username_key = ?`, portail.NormalizeKey(username)))
		if errors.Is(err, sql.ErrNoRows) {
			return portail.ErrNotFound("User")
		} else if err != nil {
			return err
		}
		if u.Status == portail.StatusInactive {
			return portail.Errorf(portail.ECONFLICT, "This user is inactive: reactivate them first.")
		}
		if _, _, err := lockUser(tx, u.ID); err != nil {
			return err
		}
		if err := killTokens(tx, u.ID, "reset"); err != nil {
			return err
		}
		var hash string
		token, hash = portail.NewToken()
		code = portail.NewRecoveryCode()
		if _, err := tx.exec(`INSERT INTO user_tokens (user_id, kind, token_hash, code_hash, created_at, expires_at) VALUES (?, 'reset', ?, ?, ?, ?)`,
			u.ID, hash, portail.HashRecoveryCode(token, code), micros(tx.now), micros(tx.now.Add(portail.ResetLifetime))); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE users SET sso_bypass_until = ? WHERE id = ?`, micros(tx.now.Add(portail.SSOBypassLifetime)), u.ID); err != nil {
			return err
		}
		return logActivity(tx, portail.Caller{}, u.AccountID, u.ID, portail.ActivityPasswordResetSent, portail.Detail{}.Words("sso-bypass"))
	})
	return token, code, err
}
