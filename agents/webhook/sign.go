package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Every webhook call carries the same headers, named like Stripe's:
//
//	X-Arena-Signature: t=1733240000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//	X-Arena-Event:     turn | contest_end
//	X-Arena-Delivery:  a unique id of this call
//
// v1 is the lower-case hex HMAC-SHA256, keyed with the agent's webhook
// secret (the whole "whsec_..." string as bytes), of the Unix timestamp t,
// a full stop, and the raw request body. Signing the timestamp with the
// body lets the agent refuse replays of an old call.
const (
	SignatureHeader = "X-Arena-Signature"
	EventHeader     = "X-Arena-Event"
	DeliveryHeader  = "X-Arena-Delivery"
	// SecretPrefix starts every webhook secret, so a leaked one is
	// recognisable as such (secret scanners match on prefixes).
	SecretPrefix = "whsec_"
	// DefaultTolerance is how old a signed timestamp a verifier should
	// accept: the arena signs just before sending, so minutes cover any
	// honest clock skew and retry.
	DefaultTolerance = 5 * time.Minute
	// maxSignatureHeader bounds what Verify parses.
	maxSignatureHeader = 4096
)

// SealAAD binds an agent's sealed webhook secret to the agent, so the
// sealed value cannot be moved to another agent or mistaken for its
// endpoint key.
func SealAAD(agentID string) string { return "webhook-secret\x00" + agentID }

// NewSecret returns a fresh webhook secret: the prefix and 32 random bytes
// in unpadded base64url.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random webhook secret: %w", err)
	}
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// Sign returns the X-Arena-Signature value for body sent at at.
func Sign(secret string, at time.Time, body []byte) string {
	t := at.Unix()
	return "t=" + strconv.FormatInt(t, 10) + ",v1=" + mac(secret, t, body)
}

func mac(secret string, t int64, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strconv.FormatInt(t, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Errors Verify returns; each says why a call is refused.
var (
	ErrNoSignature  = errors.New("no " + SignatureHeader + " header")
	ErrBadSignature = errors.New(SignatureHeader + " is not t=<unix seconds>,v1=<hex>")
	ErrStale        = errors.New("signature timestamp is outside the tolerance (a replay, or a clock far off)")
	ErrMismatch     = errors.New("no v1 signature matches the body under this secret")
)

// Verify checks an X-Arena-Signature header against the raw body: one of
// its v1 signatures must match under secret, and its timestamp must be
// within tolerance of now (either way). Several v1 entries are allowed, so
// a sender may sign with an old and a new secret during a rotation.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if header == "" {
		return ErrNoSignature
	}
	if len(header) > maxSignatureHeader {
		return ErrBadSignature
	}
	var (
		t     int64
		haveT bool
		sigs  []string
	)
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrBadSignature
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || haveT || n < 0 {
				return ErrBadSignature
			}
			t, haveT = n, true
		case "v1":
			if len(v) != sha256.Size*2 {
				return ErrBadSignature
			}
			sigs = append(sigs, v)
		default:
			// Other schemes (a future v2) are skipped, as Stripe's are.
		}
	}
	if !haveT || len(sigs) == 0 {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(t, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	want := mac(secret, t, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(strings.ToLower(s)), []byte(want)) {
			return nil
		}
	}
	return ErrMismatch
}
