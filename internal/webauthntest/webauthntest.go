// Package webauthntest is a software WebAuthn authenticator and client,
// written from the specification (W3C WebAuthn Level 3, §6.1 and §6.5;
// CTAP2's COSE keys): it answers the options a relying party gives to
// navigator.credentials.create and get with the PublicKeyCredential JSON a
// browser would send, signed with ES256 (crypto/ecdsa), attestation
// "none". It is a real protocol peer for the tests, not a mock of
// portail: it knows nothing of portail's routes or storage.
package webauthntest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator holds credentials for relying parties and answers as the
// browser at Origin would.
type Authenticator struct {
	Origin string
	// NoUserVerification makes the authenticator verify nobody (a key
	// without a PIN): the UV flag stays off.
	NoUserVerification bool
	Credentials        []*Credential
}

// Credential is one key pair the authenticator made.
type Credential struct {
	ID         []byte
	RPID       string
	UserHandle []byte
	Key        *ecdsa.PrivateKey
	// Count is the signature counter, incremented before each assertion;
	// a test may set it back to play a cloned authenticator.
	Count uint32
}

var b64 = base64.RawURLEncoding

// options are the members of PublicKeyCredentialCreationOptions and
// RequestOptions (their JSON forms) the authenticator reads.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		Allow []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
		Exclude []struct {
			ID string `json:"id"`
		} `json:"excludeCredentials"`
	} `json:"publicKey"`
}

const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

func (a *Authenticator) flags() byte {
	if a.NoUserVerification {
		return flagUP
	}
	return flagUP | flagUV
}

// Create answers navigator.credentials.create(optionsJSON): a new ES256
// credential, kept for later assertions.
func (a *Authenticator) Create(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	pk := o.PublicKey
	for _, ex := range pk.Exclude {
		for _, c := range a.Credentials {
			if b64.EncodeToString(c.ID) == ex.ID {
				return nil, errors.New("InvalidStateError: a credential of this authenticator is excluded")
			}
		}
	}
	handle, err := b64.DecodeString(pk.User.ID)
	if err != nil {
		return nil, fmt.Errorf("user.id: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	c := &Credential{ID: make([]byte, 16), RPID: pk.RP.ID, UserHandle: handle, Key: key}
	rand.Read(c.ID)
	// A discoverable credential replaces another of the same user at the
	// same relying party (CTAP2 authenticatorMakeCredential, step 17).
	a.Credentials = slices.DeleteFunc(a.Credentials, func(o *Credential) bool {
		return o.RPID == c.RPID && string(o.UserHandle) == string(handle)
	})
	a.Credentials = append(a.Credentials, c)

	pub, err := key.PublicKey.ECDH()
	if err != nil {
		return nil, err
	}
	raw := pub.Bytes() // 0x04 || X || Y
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
	if err != nil {
		return nil, err
	}
	auth := authData(c.RPID, a.flags()|flagAT, 0)
	auth = append(auth, make([]byte, 16)...) // AAGUID: none
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(c.ID)))
	auth = append(auth, c.ID...)
	auth = append(auth, cose...)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, err
	}
	client := clientData("webauthn.create", pk.Challenge, a.Origin)
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.ID), "rawId": b64.EncodeToString(c.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON": b64.EncodeToString(client), "attestationObject": b64.EncodeToString(att),
			"transports": []string{"internal"},
		},
	})
}

// Get answers navigator.credentials.get(optionsJSON) with the first
// credential for the relying party that the options allow (any of them
// when they list none: a discoverable sign-in).
func (a *Authenticator) Get(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	pk := o.PublicKey
	for _, c := range a.Credentials {
		if c.RPID != pk.RPID {
			continue
		}
		if len(pk.Allow) > 0 && !slices.ContainsFunc(pk.Allow, func(d struct {
			ID string `json:"id"`
		}) bool {
			return d.ID == b64.EncodeToString(c.ID)
		}) {
			continue
		}
		return a.Sign(c, pk.Challenge)
	}
	return nil, errors.New("NotAllowedError: no credential for this relying party")
}

// Sign makes c's assertion of challenge, whatever the options allow: a
// test uses it to present a credential where it does not belong.
func (a *Authenticator) Sign(c *Credential, challenge string) ([]byte, error) {
	c.Count++
	auth := authData(c.RPID, a.flags(), c.Count)
	client := clientData("webauthn.get", challenge, a.Origin)
	sum := sha256.Sum256(client)
	digest := sha256.Sum256(append(slices.Clone(auth), sum[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.Key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.ID), "rawId": b64.EncodeToString(c.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON": b64.EncodeToString(client), "authenticatorData": b64.EncodeToString(auth),
			"signature": b64.EncodeToString(sig), "userHandle": b64.EncodeToString(c.UserHandle),
		},
	})
}

// Challenge reads the challenge out of options, for Sign.
func Challenge(optionsJSON []byte) string {
	var o options
	json.Unmarshal(optionsJSON, &o)
	return o.PublicKey.Challenge
}

// authData is the authenticator data's fixed part (§6.1): the SHA-256 of
// the relying party id, the flags, the signature counter.
func authData(rpID string, flags byte, count uint32) []byte {
	h := sha256.Sum256([]byte(rpID))
	out := append(h[:], flags)
	return binary.BigEndian.AppendUint32(out, count)
}

// clientData is the JSON the browser signs (§5.8.1).
func clientData(typ, challenge, origin string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return b
}
