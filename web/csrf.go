package web

import (
	"net/http"
	"strings"

	"portail"
	"portail/web/api"
	"portail/web/request"
)

// csrf refuses forged cross-site requests. http.CrossOriginProtection
// refuses unsafe requests that a browser marks as cross-origin (Sec-Fetch-
// Site, else Origin against Host, or else the public address's origin,
// which a proxy rewriting Host does not change). It lets through a request
// carrying neither header, taking it for a program's; but a program has
// no business posting a page's form, nor using a session cookie instead of
// an API key, and every browser in use sends one of the two headers with
// such requests. So an unsafe request with neither header is refused when
// it posts to a page or authenticates with the session cookie. A request
// with an Authorization header (an API key) carries no credential the
// browser adds by itself and cannot be forged cross-site.
func (s *Server) csrf(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if s.BaseURL != nil && s.BaseURL.Host != "" {
		cop.AddTrustedOrigin(s.BaseURL.Scheme + "://" + s.BaseURL.Host)
	}
	h := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unmarkedAmbientWrite(r) {
			const msg = "This request carries neither Origin nor Sec-Fetch-Site, as browsers send: it cannot be told from a forged one. Programs use an API key."
			if strings.HasPrefix(r.URL.Path, "/api/") {
				api.WriteError(w, r, s.Logger, portail.Errorf(portail.EFORBIDDEN, msg))
			} else {
				http.Error(w, msg, http.StatusForbidden)
			}
			return
		}
		h.ServeHTTP(w, r)
	})
}

// unmarkedAmbientWrite reports an unsafe request without Origin or
// Sec-Fetch-Site that a browser could have been made to send with its
// cookies: a page's form, or an API call authenticated by the session
// cookie.
func unmarkedAmbientWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	if r.Header.Get("Sec-Fetch-Site") != "" || r.Header.Get("Origin") != "" || r.Header.Get("Authorization") != "" {
		return false
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	_, err := r.Cookie(request.SessionCookie)
	return err == nil
}
