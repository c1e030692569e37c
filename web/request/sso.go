package request

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"portail"
)

// Single sign-on (C13), the part both faces share: the start of a flow
// (the API's /api/v1/auth/sso/start and the sign-in page's) and the
// callback (a page: it ends in the session cookie).

// SSOCallbackPath is the redirect URI's path, on --base-url (Wave-2
// details 13): what an admin registers at their provider.
const SSOCallbackPath = "/auth/sso/callback"

// SSOCookie binds a flow to the browser that began it: the callback is
// taken only from a browser that holds the flow's state, so that nobody
// can sign a victim's browser in as themselves by sending it their own
// callback link (login CSRF). It lives as long as the flow.
const SSOCookie = "portail_sso"

// SSORedirectURL is the redirect URI of the installation.
func SSORedirectURL(site Site) string {
	return strings.TrimRight(site.BaseURL(), "/") + SSOCallbackPath
}

var errNoSSO = portail.Errorf(portail.ENOTFOUND, "This login does not sign in through single sign-on.")

// BeginSSO starts the flow of a typed login (an e-mail or a username)
// and returns where to send the browser: the provider's authorization
// endpoint. ENOTFOUND when the login's sign-in is not by SSO.
func BeginSSO(w http.ResponseWriter, r *http.Request, svc Services, site Site, login string) (string, error) {
	if svc.SSO == nil || svc.RelyingParty == nil {
		return "", errNoSSO
	}
	st, err := svc.SSO.StartSSO(Anonymous(r), login)
	if err != nil {
		return "", err
	}
	to, err := svc.RelyingParty.AuthURL(r.Context(), st, SSORedirectURL(site))
	if err != nil {
		return "", err
	}
	http.SetCookie(w, &http.Cookie{Name: SSOCookie, Value: st.State, Path: "/auth/sso", MaxAge: int(portail.SSOFlowLifetime.Seconds()),
		HttpOnly: true, Secure: site.Cookies().Secure, SameSite: http.SameSiteLaxMode})
	return to, nil
}

var errSSOBrowser = portail.Errorf(portail.ETOKENINVALID, "This sign-in did not start in this browser, or it was used already. Start again from the sign-in page.")

// FinishSSO takes the provider's answer at the callback: the flow of its
// state (once, from the browser that began it), the code traded and the
// ID token verified, then the sign-in. It returns the user and their
// session token; each refusal after the flow is found is recorded in the
// activity log of its account.
func FinishSSO(w http.ResponseWriter, r *http.Request, svc Services, site Site) (*portail.User, string, error) {
	q := r.URL.Query()
	state := q.Get("state")
	http.SetCookie(w, &http.Cookie{Name: SSOCookie, Value: "", Path: "/auth/sso", MaxAge: -1, HttpOnly: true,
		Secure: site.Cookies().Secure, SameSite: http.SameSiteLaxMode})
	c, err := r.Cookie(SSOCookie)
	if svc.SSO == nil || svc.RelyingParty == nil || err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		return nil, "", errSSOBrowser
	}
	ctx := Anonymous(r)
	f, err := svc.SSO.TakeSSOFlow(ctx, state)
	if err != nil {
		return nil, "", err
	}
	refuse := func(id portail.SSOIdentity, err error) (*portail.User, string, error) {
		if lerr := svc.SSO.RefuseSSO(ctx, f, id, err); lerr != nil {
			return nil, "", errors.Join(err, lerr)
		}
		return nil, "", err
	}
	if e := q.Get("error"); e != "" {
		return refuse(portail.SSOIdentity{}, portail.SSORefusal("provider_"+truncateWord(e), errProviderRefused))
	}
	id, err := svc.RelyingParty.Exchange(r.Context(), f, SSORedirectURL(site), q.Get("code"))
	if err != nil {
		return refuse(id, err)
	}
	u, token, err := svc.SSO.SignInSSO(ctx, f, id)
	if err != nil {
		var refused *portail.SSORefused
		if errors.As(err, &refused) {
			return refuse(id, err)
		}
		return nil, "", err
	}
	return u, token, nil
}

var errProviderRefused = portail.Errorf(portail.EUNAUTHENTICATED, "Your organisation's sign-in service did not sign you in. Start again from the sign-in page, or ask an administrator of your account.")

// truncateWord keeps an OAuth error code short and plain for the log.
func truncateWord(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r == '_' {
			return r
		}
		return -1
	}, s)
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}
