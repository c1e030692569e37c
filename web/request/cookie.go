package request

import (
	"net/http"

	"portail"
)

// SessionCookie holds the session token; the database keeps only its
// hash.
const SessionCookie = "portail_session"

// DeviceCookie names the browser, so that a sign-in from a browser the
// user signed in from before passes the lock that failed guesses put on
// the user's name (C7). The database keeps only its hash.
const DeviceCookie = "portail_device"

// Cookies writes the server's cookies; Secure when the public address is
// https.
type Cookies struct{ Secure bool }

// SetSession keeps the session token.
func (c Cookies) SetSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}

// ClearSession forgets the session token.
func (c Cookies) ClearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: c.Secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// SetDevice keeps the device token for a year after a sign-in.
func (c Cookies) SetDevice(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: c.Secure, SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
}

// Set writes a cookie of the site's, for a year, like the others: HttpOnly,
// SameSite=Lax, Secure with an https address.
func (c Cookies) Set(w http.ResponseWriter, name, value string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}

// KnownDevice returns the browser's device token, "" when it has none.
func KnownDevice(r *http.Request) string {
	if c, err := r.Cookie(DeviceCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 128 {
		return c.Value
	}
	return ""
}

// Device returns the browser's device token, or a new one for a browser
// that has none. Only the sign-in page mints them: API clients get one
// cookie from a login, the session's, as the contract says.
func Device(r *http.Request) string {
	if d := KnownDevice(r); d != "" {
		return d
	}
	t, _ := portail.NewToken()
	return t
}
