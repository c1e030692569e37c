package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"portail"
	"portail/password"
)

// setupLinkLifetime bounds the first-run link that serve prints.
const setupLinkLifetime = 24 * time.Hour

// NeedsSetup reports whether no account exists yet.
func (s *AuthService) NeedsSetup(ctx context.Context) (bool, error) {
	var n int
	err := s.db.readTx(ctx, func(tx *Tx) error {
		return tx.queryRow(`SELECT COUNT(*) FROM accounts`).Scan(&n)
	})
	return n == 0, err
}

// CreateSetupToken returns a one-time token for the first-run setup page,
// or "" when an account already exists. Each serve process that starts on
// an empty database makes its own; the first setup kills them all.
func (s *AuthService) CreateSetupToken(ctx context.Context) (string, error) {
	token, hash := portail.NewToken()
	created := false
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil || n > 0 {
			return err
		}
		if _, err := tx.exec(`DELETE FROM setup_tokens WHERE expires_at < ?`, micros(tx.now)); err != nil {
			return err
		}
		_, err := tx.exec(`INSERT INTO setup_tokens (token_hash, expires_at) VALUES (?, ?)`, hash, micros(tx.now.Add(setupLinkLifetime)))
		created = err == nil
		return err
	})
	if !created {
		token = ""
	}
	return token, err
}

// CheckSetupToken reports whether token is a live first-run token.
func (s *AuthService) CheckSetupToken(ctx context.Context, token string) error {
	return s.db.readTx(ctx, func(tx *Tx) error { return checkSetupToken(tx, token) })
}

func checkSetupToken(tx *Tx, token string) error {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM setup_tokens WHERE token_hash = ? AND expires_at > ?`,
		portail.HashToken(token), micros(tx.now)).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errSetupLinkDead()
	}
	return nil
}

// SetupWithToken runs the first-run setup from the page that the printed
// link opens. ETOKENINVALID and the errors of Setup.
func (s *AuthService) SetupWithToken(ctx context.Context, token string, st portail.Setup) (*portail.Account, *portail.User, error) {
	if token == "" {
		// An empty token is the trusted CLI's way in; from the web it is
		// refused, or anyone could add an account and its admin.
		return nil, nil, errSetupLinkDead()
	}
	return s.setup(ctx, st, token)
}

func errSetupLinkDead() error {
	return portail.Errorf(portail.ETOKENINVALID, "This setup link is not valid any more. Restart `portail serve` for a new one, or use `portail setup`.")
}

// Setup creates an account and its first admin, active at once when a
// password is given. EINVALID, EUSERNAMETAKEN, EEMAILTAKEN.
func (s *AuthService) Setup(ctx context.Context, st portail.Setup) (*portail.Account, *portail.User, error) {
	return s.setup(ctx, st, "")
}

func (s *AuthService) setup(ctx context.Context, st portail.Setup, token string) (*portail.Account, *portail.User, error) {
	var pwErr error
	if st.AdminPassword != "" {
		pwErr = s.Rules.Check("admin_password", st.AdminPassword, st.AdminUsername)
	}
	if err := portail.JoinInvalid(st.Validate(), pwErr); err != nil {
		return nil, nil, err
	}
	var hash sql.NullString
	if st.AdminPassword != "" {
		hash = sql.NullString{String: password.Hash(st.AdminPassword), Valid: true}
	}
	if st.AdminFullName == "" {
		st.AdminFullName = st.AdminUsername
	}
	if st.Language == "" {
		st.Language = portail.DefaultLanguage
	}
	var acct *portail.Account
	var u *portail.User
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if token != "" {
			if err := checkSetupToken(tx, token); err != nil {
				return err
			}
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return portail.Errorf(portail.ETOKENINVALID, "Setup is already done; sign in.")
			}
			if _, err := tx.exec(`DELETE FROM setup_tokens`); err != nil {
				return err
			}
		}
		// The domains claimed for single sign-on are not looked at (-1):
		// the rule stops other accounts' admins from taking an account's
		// people, and setup is the installation operator's own act.
		if err := userConflict(tx, -1, st.AdminUsername, st.AdminEmail, 0); err != nil {
			return renameConflictFields(err)
		}
		var trial sql.NullInt64
		if st.Trial {
			days := st.TrialDays
			if days <= 0 {
				days = portail.DefaultTrialDays
			}
			trial = sql.NullInt64{Int64: micros(tx.now.AddDate(0, 0, days)), Valid: true}
		}
		accountID, err := tx.insert(`INSERT INTO accounts (name, plan, trial_ends_at, extra_seats, modules, onboarding, created_at)
			VALUES (?, ?, ?, 0, ?, 'invitation', ?)`, st.AccountName, string(st.Plan), trial, int(st.Modules), micros(tx.now))
		if err != nil {
			return err
		}
		status := portail.StatusInvited
		if hash.Valid {
			status = portail.StatusActive
		}
		userID, err := tx.insert(`INSERT INTO users (account_id, username, username_key, full_name, email, email_key, role,
			department_id, modules, status, language, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'admin', NULL, ?, ?, ?, ?, ?, ?)`,
			accountID, st.AdminUsername, portail.NormalizeKey(st.AdminUsername), st.AdminFullName, st.AdminEmail,
			portail.NormalizeKey(st.AdminEmail), int(st.Modules), string(status), st.Language, hash, micros(tx.now), micros(tx.now))
		if err != nil {
			return err
		}
		system := portail.Caller{}
		if err := logActivity(tx, system, accountID, 0, portail.ActivityAccountCreated,
			portail.Detail{}.Add("name", st.AccountName).Add("plan", string(st.Plan)).Add("modules", st.Modules.String())); err != nil {
			return err
		}
		if err := logActivity(tx, system, accountID, userID, portail.ActivityUserCreated, portail.Detail{}.Add("username", st.AdminUsername).Add("role", portail.RoleAdmin.String())); err != nil {
			return err
		}
		if acct, err = findAccount(tx, accountID); err != nil {
			return err
		}
		if u, err = findUser(tx, accountID, userID); err != nil {
			return err
		}
		if u.Status == portail.StatusInvited {
			return issueInvitation(tx, u)
		}
		return nil
	})
	if isUniqueViolation(err) {
		err = portail.Errorf(portail.ECONFLICT, "Another change happened at the same time; please try again.")
	}
	return acct, u, err
}

// renameConflictFields names the setup form's fields in a conflict.
func renameConflictFields(err error) error {
	var e *portail.Error
	if errors.As(err, &e) {
		for i := range e.Fields {
			e.Fields[i].Field = "admin_" + e.Fields[i].Field
		}
	}
	return err
}
