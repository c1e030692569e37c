// Package sso is portail's OpenID Connect relying party (C13): it sends a
// person to their account's provider (Authorization Code flow with PKCE,
// state and nonce, the endpoints found by discovery from the issuer) and
// verifies what comes back (the ID token's signature, issuer, audience,
// expiry and nonce). It keeps nothing: the flow's state lives in the
// database (portail.SSOService), so that any serve process may take the
// callback. Built on github.com/coreos/go-oidc/v3 and golang.org/x/oauth2.
package sso

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"portail"
)

// Scopes asked of every provider: the ID token and the e-mail address.
var Scopes = []string{oidc.ScopeOpenID, "email", "profile"}

// RelyingParty implements portail.SSORelyingParty.
type RelyingParty struct {
	// Client makes the requests to providers (discovery, keys, token,
	// user info); nil is a client with a 15-second timeout.
	Client *http.Client

	// Discovered providers, by issuer, for DiscoveryTTL: a sign-in
	// otherwise asks the discovery document twice and the keys once. A
	// cache of public documents, nothing that several processes must
	// share.
	mu         sync.Mutex
	discovered map[string]discovered
}

// DiscoveryTTL is how long a provider's discovery document (and its key
// set, which go-oidc fetches again on a key id it does not know) is kept.
const DiscoveryTTL = 10 * time.Minute

type discovered struct {
	p  *oidc.Provider
	at time.Time
}

var _ portail.SSORelyingParty = (*RelyingParty)(nil)

func (rp *RelyingParty) context(ctx context.Context) context.Context {
	c := rp.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	return oidc.ClientContext(ctx, c)
}

// errProvider is said when the provider cannot be reached or answers
// nonsense: the person can do nothing about it but try later.
func errProvider(reason string) *portail.SSORefused {
	return portail.SSORefusal(reason, errUnusable)
}

var (
	errUnusable = portail.Errorf(portail.EUNAUTHENTICATED, "Your organisation's sign-in service could not be reached or gave an answer portail cannot use. Try again later, or ask an administrator of your account.")
	errCode     = portail.Errorf(portail.EUNAUTHENTICATED, "Your organisation's sign-in service refused to finish this sign-in. Start again from the sign-in page.")
	errToken    = portail.Errorf(portail.EUNAUTHENTICATED, "The answer of your organisation's sign-in service could not be verified. Start again from the sign-in page.")
	errNonce    = portail.Errorf(portail.EUNAUTHENTICATED, "The answer of your organisation's sign-in service does not belong to this sign-in. Start again from the sign-in page.")
)

// provider discovers the issuer's endpoints and keys. go-oidc checks that
// the discovery document names the same issuer.
func (rp *RelyingParty) provider(ctx context.Context, c portail.SSOConnection) (*oidc.Provider, error) {
	rp.mu.Lock()
	d, ok := rp.discovered[c.Issuer]
	rp.mu.Unlock()
	if ok && time.Since(d.at) < DiscoveryTTL {
		return d.p, nil
	}
	p, err := oidc.NewProvider(ctx, c.Issuer)
	if err != nil {
		return nil, errors.Join(errProvider("discovery"), err)
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.discovered == nil {
		rp.discovered = map[string]discovered{}
	}
	for iss, d := range rp.discovered {
		if time.Since(d.at) >= DiscoveryTTL {
			delete(rp.discovered, iss) // issuers an account left
		}
	}
	rp.discovered[c.Issuer] = discovered{p: p, at: time.Now()}
	return p, nil
}

func config(p *oidc.Provider, c portail.SSOConnection, redirectURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirectURL, Scopes: Scopes}
}

// AuthURL is the provider's authorization endpoint with the flow's state,
// nonce and S256 challenge, and the typed e-mail as login_hint.
func (rp *RelyingParty) AuthURL(ctx context.Context, s *portail.SSOStart, redirectURL string) (string, error) {
	ctx = rp.context(ctx)
	p, err := rp.provider(ctx, s.Connection)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(s.Nonce), oauth2.S256ChallengeOption(s.Verifier)}
	if s.LoginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", s.LoginHint))
	}
	return config(p, s.Connection, redirectURL).AuthCodeURL(s.State, opts...), nil
}

// claims are the ID token's (or user info's) members portail reads.
type claims struct {
	Subject       string    `json:"sub"`
	Email         string    `json:"email"`
	EmailVerified *flexBool `json:"email_verified"`
	// XMSEdov is Microsoft Entra ID's "e-mail domain owner verified"
	// optional claim: Entra sends no email_verified, and says with this
	// one that the tenant owns the address's domain (docs/sso.md).
	XMSEdov flexBool `json:"xms_edov"`
	Name    string   `json:"name"`
}

// flexBool reads a boolean some providers send as a string ("true").
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case bool:
		*b = flexBool(v)
	case string:
		*b = flexBool(strings.EqualFold(v, "true"))
	}
	return nil
}

// Exchange trades the code for tokens (with the PKCE verifier), verifies
// the ID token (signature by the issuer's published keys, iss, aud =
// the client id, exp) and its nonce against the flow's, and reads the
// e-mail from the ID token, else from the user info endpoint (whose sub
// must be the ID token's). A refusal is a *portail.SSORefused.
func (rp *RelyingParty) Exchange(ctx context.Context, f *portail.SSOFlow, redirectURL, code string) (portail.SSOIdentity, error) {
	ctx = rp.context(ctx)
	p, err := rp.provider(ctx, f.Connection)
	if err != nil {
		return portail.SSOIdentity{}, err
	}
	cfg := config(p, f.Connection, redirectURL)
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return portail.SSOIdentity{}, errors.Join(portail.SSORefusal("code", errCode), err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return portail.SSOIdentity{}, errProvider("no_id_token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: f.Connection.ClientID}).Verify(ctx, raw)
	if err != nil {
		return portail.SSOIdentity{}, errors.Join(portail.SSORefusal("id_token", errToken), err)
	}
	if portail.HashToken(idt.Nonce) != f.NonceHash {
		return portail.SSOIdentity{}, portail.SSORefusal("nonce", errNonce)
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return portail.SSOIdentity{}, errors.Join(errProvider("claims"), err)
	}
	if c.Email == "" {
		info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return portail.SSOIdentity{}, errors.Join(errProvider("userinfo"), err)
		}
		var ic claims
		if err := info.Claims(&ic); err != nil || info.Subject != idt.Subject {
			return portail.SSOIdentity{}, errProvider("userinfo")
		}
		c.Email, c.EmailVerified, c.XMSEdov = ic.Email, ic.EmailVerified, ic.XMSEdov
		if c.Name == "" {
			c.Name = ic.Name
		}
	}
	// Entra's xms_edov stands in for email_verified only when the
	// provider says nothing of it: an explicit false is a refusal.
	verified := bool(c.XMSEdov)
	if c.EmailVerified != nil {
		verified = bool(*c.EmailVerified)
	}
	return portail.SSOIdentity{Subject: idt.Subject, Email: c.Email, EmailVerified: verified, Name: c.Name}, nil
}
