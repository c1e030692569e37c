// Package oidctest runs a real OpenID provider on loopback for the tests
// of single sign-on (C13): the OP of github.com/zitadel/oidc/v3 (an
// OpenID-certified implementation) over the in-memory storage of its
// example server, with users the test defines (e-mail verified or not),
// clients registered while it runs, a plain login form the test (or
// Chromium) fills, and a tamper hook that re-signs the next ID token with
// changed claims, to prove that portail refuses a wrong audience, nonce,
// issuer or signature.
package oidctest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is a person of the provider.
type User struct {
	Username, Password  string
	Email               string
	EmailVerified       bool
	FirstName, LastName string
}

// Provider is a running OpenID provider.
type Provider struct {
	Issuer  string
	server  *httptest.Server
	storage *store
	users   *users

	mu     sync.Mutex
	tamper func(claims map[string]any) (resign *rsa.PrivateKey)
	// Logins counts the sign-ins completed at the login form.
	logins int
}

// Start runs a provider on 127.0.0.1 until the test ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{Issuer: "http://" + l.Addr().String(), users: &users{byID: map[string]*storage.User{}}}
	p.storage = &store{Storage: storage.NewStorageWithClients(p.users, map[string]*storage.Client{}), clients: map[string]registered{}}
	key := sha256.Sum256([]byte(p.Issuer))
	provider, err := op.NewProvider(&op.Config{CryptoKey: key, CodeMethodS256: true, AuthMethodPost: true,
		SupportedUILocales: []language.Tag{language.English}}, p.storage, op.StaticIssuer(p.Issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	callback := op.AuthCallbackURL(provider)
	mux.HandleFunc("GET /login/username", func(w http.ResponseWriter, r *http.Request) {
		loginPage.Execute(w, map[string]string{"ID": r.FormValue("authRequestID")})
	})
	mux.Handle("POST /login/username", op.NewIssuerInterceptor(provider.IssuerFromRequest).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.FormValue("id")
		if err := p.storage.CheckUsernamePassword(r.FormValue("username"), r.FormValue("password"), id); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			loginPage.Execute(w, map[string]string{"ID": id, "Error": "Wrong username or password."})
			return
		}
		p.mu.Lock()
		p.logins++
		p.mu.Unlock()
		http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
	}))
	mux.Handle("POST /oauth/token", p.tampered(provider))
	mux.Handle("/", provider)
	p.server = &httptest.Server{Listener: l, Config: &http.Server{Handler: mux}}
	p.server.Start()
	t.Cleanup(p.server.Close)
	return p
}

// Logins is how many people signed in at the login form.
func (p *Provider) Logins() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logins
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test provider — sign in</title></head>
<body><h1>Test provider</h1>{{with .Error}}<p id="op-error">{{.}}</p>{{end}}
<form method="post" action="/login/username">
<input type="hidden" name="id" value="{{.ID}}">
<label for="op-username">Username</label> <input id="op-username" name="username">
<label for="op-password">Password</label> <input id="op-password" name="password" type="password">
<button id="op-submit" type="submit">Sign in at the provider</button>
</form></body></html>`))

// AddUser adds a person; their id is their username.
func (p *Provider) AddUser(u User) {
	p.users.mu.Lock()
	defer p.users.mu.Unlock()
	p.users.byID[u.Username] = &storage.User{ID: u.Username, Username: u.Username, Password: u.Password,
		FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, EmailVerified: u.EmailVerified,
		PreferredLanguage: language.English}
}

// AddClient registers a web client (client_secret_basic) with its
// redirect URI. With emailInIDToken the ID token carries the e-mail
// claims, as Keycloak's and Okta's do; without, they are only at the
// user info endpoint.
func (p *Provider) AddClient(id, secret, redirectURI string, emailInIDToken bool) {
	p.storage.mu.Lock()
	defer p.storage.mu.Unlock()
	p.storage.clients[id] = registered{client: client{Client: storage.WebClient(id, secret, redirectURI), assert: emailInIDToken}, secret: secret}
}

// Tamper changes the claims of the next ID token the token endpoint
// issues, re-signed with the provider's own key (so only the changed
// claims are wrong), or with another key when fn returns one.
func (p *Provider) Tamper(fn func(claims map[string]any) (resign *rsa.PrivateKey)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = fn
}

// ForeignKey is a key the provider never published.
func ForeignKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

func (p *Provider) tampered(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		fn := p.tamper
		p.tamper = nil
		p.mu.Unlock()
		if fn == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var resp map[string]any
		if rec.Code == http.StatusOK && json.Unmarshal(body, &resp) == nil {
			if raw, ok := resp["id_token"].(string); ok {
				if signed, err := p.resign(r.Context(), raw, fn); err == nil {
					resp["id_token"] = signed
					body, _ = json.Marshal(resp)
				}
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// resign decodes an ID token's claims, lets fn change them and signs them
// again with the provider's key id.
func (p *Provider) resign(ctx context.Context, raw string, fn func(map[string]any) *rsa.PrivateKey) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("not a JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var claims map[string]any
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	if err := d.Decode(&claims); err != nil {
		return "", err
	}
	sk, err := p.storage.SigningKey(ctx)
	if err != nil {
		return "", err
	}
	key := sk.Key()
	if other := fn(claims); other != nil {
		key = other
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", sk.ID()))
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(body)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// users is the provider's user store.
type users struct {
	mu   sync.RWMutex
	byID map[string]*storage.User
}

func (u *users) GetUserByID(id string) *storage.User {
	u.mu.RLock()
	defer u.mu.RUnlock()
	return u.byID[id]
}

func (u *users) GetUserByUsername(name string) *storage.User {
	u.mu.RLock()
	defer u.mu.RUnlock()
	return u.byID[name]
}

func (u *users) ExampleClientID() string { return "" }

// store is the example storage with clients of its own, which tests
// register while the provider runs (the example's map may not change
// then).
type store struct {
	*storage.Storage
	mu      sync.Mutex
	clients map[string]registered
}

type registered struct {
	client client
	secret string
}

// client is the example's web client, with the e-mail claims in the ID
// token when assert is set.
type client struct {
	*storage.Client
	assert bool
}

func (c client) IDTokenUserinfoClaimsAssertion() bool { return c.assert }

func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, fmt.Errorf("client not found")
	}
	return c.client, nil
}

func (s *store) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[id]; !ok || c.secret != secret {
		return fmt.Errorf("invalid client")
	}
	return nil
}
