package portail

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Sessions in sight (C12, SPEC §9 Wave-2 details 10): where a user is
// signed in, their live browser sessions and their API keys in one list.

// SessionKind is the kind of an item of that list.
type SessionKind string

const (
	SessionBrowser SessionKind = "browser"
	SessionAPIKey  SessionKind = "api_key"
)

// SessionEndEnded is why a session ended when its user ended it from
// another place, or an admin signed the user out everywhere: the browser
// is told so (ESESSIONENDED) at its next request, as C6 tells a replaced
// one.
const SessionEndEnded = "ended"

// SessionItem is one place a user is signed in.
type SessionItem struct {
	Kind SessionKind
	// RowID is the session's or the key's own id, which ItemID hides.
	RowID      int64
	Name       string // an API key's name; "" for a browser
	Prefix     string // an API key's first characters
	CreatedAt  time.Time
	LastSeenAt *time.Time // nil for a key never used
	IP         string
	UserAgent  string
	// Current marks the session or key the request came with; always
	// false in another user's list.
	Current bool
}

// Item ids are opaque to clients; they are a kind's letter and the row's
// id, so that one string names one item across both kinds (a session
// and a key may share a row id).
const (
	browserItemPrefix = "bs_"
	apiKeyItemPrefix  = "ak_"
)

// ItemID is the item's id in the list.
func (i *SessionItem) ItemID() string { return SessionItemID(i.Kind, i.RowID) }

// SessionItemID names the item of kind k and row id.
func SessionItemID(k SessionKind, id int64) string {
	p := browserItemPrefix
	if k == SessionAPIKey {
		p = apiKeyItemPrefix
	}
	return p + strconv.FormatInt(id, 10)
}

// ParseSessionItemID reads an item id; ok is false for anything
// SessionItemID does not write.
func ParseSessionItemID(s string) (k SessionKind, id int64, ok bool) {
	var rest string
	switch {
	case strings.HasPrefix(s, browserItemPrefix):
		k, rest = SessionBrowser, s[len(browserItemPrefix):]
	case strings.HasPrefix(s, apiKeyItemPrefix):
		k, rest = SessionAPIKey, s[len(apiKeyItemPrefix):]
	default:
		return "", 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != rest {
		return "", 0, false
	}
	return k, id, true
}

// SessionPageSize checks a page size of the list: 0 asks for
// DefaultPageSize. EINVALID on limit.
func SessionPageSize(limit int) (int, error) {
	var v Validation
	validateLimit(&v, limit)
	if err := v.Err(); err != nil {
		return 0, err
	}
	if limit == 0 {
		limit = DefaultPageSize
	}
	return limit, nil
}

// PastSignIn is where and when a session started: the last sign-in a user is
// shown is the start of the session before their current one, so that a
// sign-in by someone else does not go unnoticed.
type PastSignIn struct {
	At        time.Time
	IP        string
	UserAgent string
}

// SessionService shows and ends the places a user is signed in. Every
// method takes the caller from ctx; another user's sessions are asked of
// the policy (ActManageSessions), a user the caller may not see being
// ENOTFOUND.
type SessionService interface {
	// ListMySessions returns a page of the caller's live browser sessions,
	// then their live API keys, each newest first. EINVALID.
	ListMySessions(ctx context.Context, limit int, cursor string) ([]*SessionItem, string, error)
	// EndMySession ends one of the caller's items: a browser session ends
	// (its browser is told at its next request), an API key is revoked
	// (C9). ENOTFOUND for an id that names none of the caller's live items.
	EndMySession(ctx context.Context, id string) error
	// ListUserSessions is ListMySessions for a user the caller manages;
	// Current is false. EINVALID, ENOTFOUND, EFORBIDDEN.
	ListUserSessions(ctx context.Context, userID int64, limit int, cursor string) ([]*SessionItem, string, error)
	// SignOut ends every browser session of a user ("sign out
	// everywhere"); API keys stay. ENOTFOUND, EFORBIDDEN.
	SignOut(ctx context.Context, userID int64) error
	// LastSignIn returns the start of the caller's session before the one
	// they use now; nil when none is kept (sessions are purged after
	// SessionRetention).
	LastSignIn(ctx context.Context) (*PastSignIn, error)
}
