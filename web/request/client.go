package request

import (
	"context"
	"net"
	"net/http"
	"net/netip"
)

type clientKey struct{}

// WithClient returns ctx carrying the client's address, resolved once by
// the server before anything reads it.
func WithClient(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientKey{}, ip)
}

// ClientIP is the address of the client, the one every rule keyed by
// address uses (throttle, activity log): the peer's, or the one a trusted
// proxy forwarded (WithClient).
func ClientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientKey{}).(string); ok {
		return ip
	}
	return PeerIP(r)
}

// PeerIP is the address of the TCP peer.
func PeerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().String()
	}
	return host
}
