package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"portail"
)

// SessionService implements portail.SessionService (C12) over the
// sessions of an AuthService, whose idle timeout says which sessions are
// still alive.
type SessionService struct {
	db   *DB
	auth *AuthService
}

// NewSessionService returns the sessions in sight of auth's database.
func NewSessionService(auth *AuthService) *SessionService {
	return &SessionService{db: auth.db, auth: auth}
}

var _ portail.SessionService = (*SessionService)(nil)

// sessionItemsQuery lists a user's live browser sessions (kind 0: not
// ended, not expired, not idle, as Authenticate judges them) then their
// live API keys (kind 1), each newest first; the cursor is the kind and
// id of the last item of the previous page.
const sessionItemsQuery = `SELECT kind, id, name, prefix, created_at, last_seen_at, ip, user_agent FROM (
	SELECT 0 AS kind, id, '' AS name, '' AS prefix, created_at, last_seen_at, ip, user_agent FROM sessions
		WHERE user_id = ? AND ended_at IS NULL AND expires_at > ? AND last_seen_at >= ?
	UNION ALL
	SELECT 1 AS kind, id, name, prefix, created_at, last_used_at AS last_seen_at, ip, user_agent FROM api_keys
		WHERE user_id = ? AND revoked_at IS NULL
) items WHERE kind > ? OR kind = ? AND id < ? ORDER BY kind, id DESC LIMIT `

// listItems reads a page of userID's items; current marks the caller's
// own session or key (c.SessionID, c.APIKeyID), and only in their own
// list.
func (s *SessionService) listItems(ctx context.Context, userID int64, current portail.Caller, limit int, cursor string) ([]*portail.SessionItem, string, error) {
	limit, err := portail.SessionPageSize(limit)
	if err != nil {
		return nil, "", err
	}
	afterKind, afterID := int64(-1), int64(0)
	if cursor != "" {
		parts, err := decodeCursor(cursor, 2)
		if err != nil {
			return nil, "", err
		}
		n, err := cursorInts(parts...)
		if err != nil {
			return nil, "", err
		}
		afterKind, afterID = n[0], n[1]
	}
	now := s.db.Now()
	args := []any{userID, micros(now), micros(now.Add(-s.auth.Idle)), userID, afterKind, afterKind, afterID}
	scan := func(row interface{ Scan(...any) error }) (*portail.SessionItem, error) {
		var it portail.SessionItem
		var kind, created int64
		var seen sql.NullInt64
		if err := row.Scan(&kind, &it.RowID, &it.Name, &it.Prefix, &created, &seen, &it.IP, &it.UserAgent); err != nil {
			return nil, err
		}
		it.Kind, it.CreatedAt, it.LastSeenAt = portail.SessionBrowser, fromMicros(created), timePtr(seen)
		if kind == 1 {
			it.Kind = portail.SessionAPIKey
		}
		it.Current = it.Kind == portail.SessionBrowser && it.RowID == current.SessionID ||
			it.Kind == portail.SessionAPIKey && it.RowID == current.APIKeyID
		return &it, nil
	}
	return readPage(ctx, s.db, pageQuery[*portail.SessionItem]{q: sessionItemsQuery + strconv.Itoa(limit+1), args: args, limit: limit, scan: scan,
		cursor: func(_ *Tx, last *portail.SessionItem) (string, error) {
			kind := "0"
			if last.Kind == portail.SessionAPIKey {
				kind = "1"
			}
			return encodeCursor(kind, strconv.FormatInt(last.RowID, 10)), nil
		}})
}

// ListMySessions returns a page of the caller's browser sessions and API
// keys. EINVALID, EUNAUTHENTICATED.
func (s *SessionService) ListMySessions(ctx context.Context, limit int, cursor string) ([]*portail.SessionItem, string, error) {
	c := portail.CallerFrom(ctx)
	if c.Actor.UserID == 0 {
		return nil, "", portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	return s.listItems(ctx, c.Actor.UserID, c, limit, cursor)
}

// ListUserSessions returns a page of the sessions and keys of a user the
// caller manages (ActManageSessions); none is current in it. EINVALID,
// ENOTFOUND, EFORBIDDEN.
func (s *SessionService) ListUserSessions(ctx context.Context, userID int64, limit int, cursor string) ([]*portail.SessionItem, string, error) {
	a := portail.CallerFrom(ctx).Actor
	if err := s.db.readTx(ctx, func(tx *Tx) error {
		_, err := managedUser(tx, a, userID)
		return err
	}); err != nil {
		return nil, "", err
	}
	return s.listItems(ctx, userID, portail.Caller{}, limit, cursor)
}

// managedUser loads a user whose sessions a may see and end: ENOTFOUND
// for a user a may not see (another account, another department, an
// admin for a department admin), EFORBIDDEN for one a sees but may not
// manage.
func managedUser(tx *Tx, a portail.Actor, id int64) (*portail.User, error) {
	u, err := visibleUser(tx, a, id)
	if err != nil {
		return nil, err
	}
	if !portail.Can(a, portail.ActManageSessions, u.Resource()) {
		return nil, portail.ErrForbidden()
	}
	return u, nil
}

// EndMySession ends one of the caller's items by its item id: a browser
// session ends as a logout does, with its own reason, so that its browser
// is told (session_ended); an API key is revoked. The conditional UPDATE
// decides under concurrency. ENOTFOUND.
func (s *SessionService) EndMySession(ctx context.Context, id string) error {
	c := portail.CallerFrom(ctx)
	if c.Actor.UserID == 0 {
		return portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	kind, rowID, ok := portail.ParseSessionItemID(id)
	if !ok {
		return portail.ErrNotFound("Session")
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if kind == portail.SessionAPIKey {
			return revokeAPIKey(tx, c, rowID)
		}
		res, err := tx.exec(`UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND user_id = ? AND ended_at IS NULL
			AND expires_at > ? AND last_seen_at >= ?`, micros(tx.now), portail.SessionEndEnded, rowID, c.Actor.UserID,
			micros(tx.now), micros(tx.now.Add(-s.auth.Idle)))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return portail.ErrNotFound("Session")
		}
		return logActivity(tx, c, c.Actor.AccountID, c.Actor.UserID, portail.ActivitySessionEnded,
			portail.Detail{}.Words("a browser session was ended by its user"))
	})
}

// SignOut ends every browser session of a user the caller manages, under
// the user row lock as every check-then-act on a user; API keys stay.
// The entry says who: the user themself or an administrator. ENOTFOUND,
// EFORBIDDEN.
func (s *SessionService) SignOut(ctx context.Context, userID int64) error {
	c := portail.CallerFrom(ctx)
	return s.db.writeTx(ctx, func(tx *Tx) error {
		// The lock first, as everywhere; a foreign id is then not found
		// by managedUser, exactly like a missing one.
		if _, _, err := lockUser(tx, userID); err != nil {
			return err
		}
		u, err := managedUser(tx, c.Actor, userID)
		if err != nil {
			return err
		}
		if err := endSessions(tx, u.ID, 0, portail.SessionEndEnded); err != nil {
			return err
		}
		by := "signed out everywhere by an administrator"
		if u.ID == c.Actor.UserID {
			by = "signed out everywhere by the user"
		}
		return logActivity(tx, c, u.AccountID, u.ID, portail.ActivitySignedOutEverywhere, portail.Detail{}.Words(by))
	})
}

// LastSignIn returns the start of the caller's latest session other than
// the current one; nil when none is kept.
func (s *SessionService) LastSignIn(ctx context.Context) (*portail.PastSignIn, error) {
	c := portail.CallerFrom(ctx)
	var in *portail.PastSignIn
	err := s.db.readTx(ctx, func(tx *Tx) error {
		var at int64
		var si portail.PastSignIn
		err := tx.queryRow(`SELECT created_at, ip, user_agent FROM sessions WHERE user_id = ? AND id <> ?
			ORDER BY id DESC LIMIT 1`, c.Actor.UserID, c.SessionID).Scan(&at, &si.IP, &si.UserAgent)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		si.At = fromMicros(at)
		in = &si
		return nil
	})
	return in, err
}
