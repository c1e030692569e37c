package portail

import "context"

// Caller is who makes a request and from where: the policy's actor plus
// what the activity log records about the request (L1).
type Caller struct {
	Actor     Actor
	SessionID int64 // 0 when the request came with an API key
	APIKeyID  int64
	// SCIM is the token a directory provisions with (Actor.Provisioner);
	// nil for a user. The activity log names its changes by its name.
	SCIM      *SCIMToken
	IP        string
	UserAgent string
	// Polled is set when a page asks by itself, following a status: the
	// person did not ask, so no fetch entry is logged for it (L1 logs
	// what people ask for: downloads, the pages they open).
	Polled bool
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller of ctx; the zero Caller (who may do
// nothing) when there is none.
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}
