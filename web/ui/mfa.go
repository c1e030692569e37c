package ui

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/boombuler/barcode/qr"

	"portail"
	"portail/web/request"
)

// Second factors (C11) in the pages: the sign-in's second step, the
// profile's factors (also the enrolment a required factor leads to), the
// account's requirement and an admin's reset.

func (s *Handler) registerMFAPages() {
	s.handle("POST /login/mfa", s.anon(s.limited(request.LimitLogin, s.loginMFA)))
	s.handle("GET /profile/mfa", s.signedIn(s.profileMFA))
	s.handle("POST /profile/mfa/totp", s.signedIn(s.startTOTP))
	s.handle("POST /profile/mfa/totp/confirm", s.signedIn(s.confirmTOTP))
	s.handle("POST /profile/mfa/recovery-codes", s.signedIn(s.newRecoveryCodes))
	s.handle("POST /profile/mfa/remove", s.signedIn(s.removeFactors))
	s.handle("POST /profile/mfa/{id}/remove", s.signedIn(s.removeFactor))
	s.handle("GET /account/security", s.signedIn(s.accountSecurity))
	s.handle("POST /account/security", s.signedIn(s.accountSecurityPost))
	s.handle("POST /users/{id}/mfa-reset", s.signedIn(s.userAction("mfa_reset", func(p *page, id int64) error {
		return s.MFA.ResetMFA(p.ctx, id)
	})))
}

// enrolmentPage reports whether a path stays open to a user who must
// enrol a second factor (the pages of their factors).
func enrolmentPage(path string) bool {
	return path == "/profile/mfa" || strings.HasPrefix(path, "/profile/mfa/")
}

// mfaStep shows the sign-in's second step: the code of the app or a
// recovery code, for the token the password step gave.
func (s *Handler) mfaStep(p *page, status int, token string, methods []string, fail error) {
	v := p.view("Sign in")
	v.Form["mfa_token"], v.Form["next"] = token, p.r.PostFormValue("next")
	v.Form["methods"] = strings.Join(methods, ",")
	if fail != nil {
		status = p.failed(&v, fail)
		v.Fields["code"] = v.Error
		if e, ok := fail.(*portail.Error); ok && e.RetryAfter > 0 {
			p.w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
			v.Error = p.t("Too many failed sign-ins. Wait %d seconds before trying again, or reset your password.", e.RetryAfter)
			v.Fields["code"] = v.Error
		}
	}
	p.render(status, "login_mfa", v)
}

func (s *Handler) loginMFA(p *page) {
	token := p.r.PostFormValue("mfa_token")
	dev := request.Device(p.r)
	var in *portail.SignIn
	var err error
	if assertion := p.r.PostFormValue("webauthn"); assertion != "" {
		in, err = s.passkeyStep(p, token, assertion, dev)
	} else {
		in, err = s.MFA.CompleteMFA(p.ctx, portail.SecondStep{Token: token, Code: strings.TrimSpace(p.r.PostFormValue("code")), Device: dev})
	}
	if err != nil {
		if portail.ErrorCode(err) == portail.ETOKENINVALID {
			// The token is dead: back to the password.
			v := p.view("Sign in")
			v.Form["next"] = p.r.PostFormValue("next")
			p.render(p.failed(&v, err), "login", v)
			return
		}
		s.mfaStep(p, http.StatusUnauthorized, token, strings.Split(p.r.PostFormValue("methods"), ","), err)
		return
	}
	s.signedInNow(p, in, dev)
}

// signedInNow sets the cookies of a sign-in that started a session and
// sends the browser on.
func (s *Handler) signedInNow(p *page, in *portail.SignIn, dev string) {
	s.site.Cookies().SetSession(p.w, in.Token)
	s.site.Cookies().SetDevice(p.w, dev)
	if in.MFAEnrolmentRequired && !in.User.PasswordChangeRequired {
		p.redirect("/profile/mfa")
		return
	}
	p.redirect(safeNext(p.r.PostFormValue("next")))
}

// mfaData is the factors page.
type mfaData struct {
	Factors  []portail.Factor
	HasTOTP  bool
	Required bool // the account requires a factor of the user, who has none
	// Pending is a TOTP secret just made, waiting for its code; QR its
	// otpauth URL as a PNG.
	Pending *portail.TOTPEnrolment
	QR      template.URL
	// Codes are recovery codes just made, shown once; CodesFile the same
	// as a text file to download.
	Codes     []string
	CodesFile template.URL
}

func (s *Handler) profileMFA(p *page) { s.renderMFA(p, http.StatusOK, mfaData{}, nil) }

func (s *Handler) renderMFA(p *page, status int, d mfaData, fail error) {
	v := p.view("Second factor")
	v.Nav.Current = "profile"
	switch p.r.URL.Query().Get("done") {
	case "removed":
		v.Flash = p.t("The second factor was removed.")
	case "removed_all":
		v.Flash = p.t("Every second factor and recovery code was removed.")
	case "passkey_added":
		v.Flash = p.t("The passkey was added.")
	}
	if fail != nil {
		status = p.failed(&v, fail)
	}
	fs, err := s.MFA.Factors(p.ctx)
	if err != nil {
		s.pageError(p, err)
		return
	}
	d.Factors = fs
	for _, f := range fs {
		d.HasTOTP = d.HasTOTP || f.Kind == portail.FactorTOTP
	}
	d.Required = p.me.MFAEnrolmentRequired && len(fs) == 0
	if d.Pending != nil {
		png, err := qrPNG(d.Pending.URL, 256)
		if err != nil {
			s.pageError(p, err)
			return
		}
		d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	}
	if len(d.Codes) > 0 {
		text := p.t("portail recovery codes for %s. Each works once, in place of a code of your app.", p.me.Username) + "\n\n" + strings.Join(d.Codes, "\n") + "\n"
		d.CodesFile = template.URL("data:text/plain;charset=utf-8," + url.PathEscape(text))
	}
	v.Data = d
	p.render(status, "profile_mfa", v)
}

func (s *Handler) startTOTP(p *page) {
	e, err := s.MFA.StartTOTP(p.ctx)
	if err != nil {
		s.renderMFA(p, 0, mfaData{}, err)
		return
	}
	s.renderMFA(p, http.StatusOK, mfaData{Pending: e}, nil)
}

func (s *Handler) confirmTOTP(p *page) {
	codes, err := s.MFA.ConfirmTOTP(p.ctx, strings.TrimSpace(p.r.PostFormValue("code")))
	if err != nil {
		// The secret stays pending: show it again with the message.
		d := mfaData{Pending: &portail.TOTPEnrolment{Secret: p.r.PostFormValue("secret"), URL: p.r.PostFormValue("otpauth_url")}}
		if d.Pending.URL == "" {
			d.Pending = nil
		}
		s.renderMFA(p, 0, d, err)
		return
	}
	// Enrolled: a user who had to is free from here on.
	p.me.MFAEnrolmentRequired = false
	s.renderMFA(p, http.StatusOK, mfaData{Codes: codes}, nil)
}

func (s *Handler) newRecoveryCodes(p *page) {
	codes, err := s.MFA.NewRecoveryCodes(p.ctx)
	if err != nil {
		s.renderMFA(p, 0, mfaData{}, err)
		return
	}
	s.renderMFA(p, http.StatusOK, mfaData{Codes: codes}, nil)
}

func (s *Handler) removeFactors(p *page) {
	if err := s.MFA.RemoveFactors(p.ctx, p.r.PostFormValue("password")); err != nil {
		request.SetRetryAfter(p.w, err)
		s.renderMFA(p, 0, mfaData{}, err)
		return
	}
	p.redirect("/profile/mfa?done=removed_all")
}

func (s *Handler) removeFactor(p *page) {
	id, err := request.PathID(p.r)
	if err == nil {
		err = s.MFA.RemoveFactor(p.ctx, id)
	}
	if err != nil {
		s.renderMFA(p, 0, mfaData{}, err)
		return
	}
	p.redirect("/profile/mfa?done=removed")
}

// securityData is the account's security page.
type securityData struct {
	Choices []portail.MFARequirement
}

func (s *Handler) accountSecurity(p *page) { s.renderSecurity(p, http.StatusOK, "", nil) }

func (s *Handler) renderSecurity(p *page, status int, typed portail.MFARequirement, fail error) {
	req, err := s.MFA.MFARequirement(p.ctx)
	if err != nil {
		s.pageError(p, err)
		return
	}
	v := p.view("Account security")
	v.Nav.Current = "account"
	if p.r.URL.Query().Get("done") == "saved" {
		v.Flash = p.t("The security settings were saved.")
	}
	v.Form["mfa_required"] = string(req)
	if fail != nil {
		status = p.failed(&v, fail)
		v.Form["mfa_required"] = string(typed)
	}
	v.Data = securityData{Choices: []portail.MFARequirement{portail.MFANone, portail.MFAAdmins, portail.MFAEveryone}}
	p.render(status, "account_security", v)
}

func (s *Handler) accountSecurityPost(p *page) {
	r := portail.MFARequirement(p.r.PostFormValue("mfa_required"))
	if err := s.MFA.SetMFARequirement(p.ctx, r); err != nil {
		if request.Status(err) == http.StatusForbidden {
			s.pageError(p, err)
			return
		}
		s.renderSecurity(p, 0, r, err)
		return
	}
	p.redirect("/account/security?done=saved")
}

// qrPNG is text as a QR code (error correction M, as authenticator apps
// scan it from a screen), a size×size PNG with the quiet zone of four
// modules around the symbol that the QR standard asks for.
func qrPNG(text string, size int) ([]byte, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	n := code.Bounds().Dx() // modules a side, one pixel each
	k := size / (n + 8)
	if k < 1 {
		return nil, fmt.Errorf("a QR code of %d modules does not fit %d pixels", n, size)
	}
	img := image.NewGray(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	off := (size - n*k) / 2
	for y := range n {
		for x := range n {
			if c := color.GrayModel.Convert(code.At(x, y)).(color.Gray); c.Y < 128 {
				draw.Draw(img, image.Rect(off+x*k, off+y*k, off+(x+1)*k, off+(y+1)*k), image.Black, image.Point{}, draw.Src)
			}
		}
	}
	var b bytes.Buffer
	err = png.Encode(&b, img)
	return b.Bytes(), err
}
