// Package secrets seals values that must rest encrypted in the replicated
// state (model endpoint API keys) with AES-256-GCM under a cluster key that
// lives only in each node's configuration, never in the log.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
)

// KeySize is the AES-256 key length.
const KeySize = 32

// sealedPrefix versions the format so it can change later.
const sealedPrefix = "v1:"

// Sealer encrypts and decrypts with one key. A node that joins a cluster
// learns the key only after joining, so a Sealer may start empty and get
// its key later (SetKey); until then Seal and Open fail.
type Sealer struct{ aead atomic.Pointer[cipher.AEAD] }

// ErrNoKey is returned by a Sealer that has no key yet.
var ErrNoKey = errors.New("no secrets key configured")

// Fingerprint names a hex key without revealing it, so two nodes can
// check they hold the same key before one joins the other. It is "" for
// "". The key is 256 random bits: a plain hash cannot be reversed.
func Fingerprint(hexKey string) string {
	hexKey = strings.ToLower(strings.TrimSpace(hexKey))
	if hexKey == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("agent-arena secrets key fingerprint\x00" + hexKey))
	return hex.EncodeToString(sum[:8])
}

// NewKey returns a fresh random key, hex encoded.
func NewKey() (string, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return "", fmt.Errorf("read random key: %w", err)
	}
	return hex.EncodeToString(k), nil
}

// New builds a sealer from a hex-encoded 32-byte key.
func New(hexKey string) (*Sealer, error) {
	s := &Sealer{}
	if err := s.SetKey(hexKey); err != nil {
		return nil, err
	}
	return s, nil
}

// SetKey installs the hex-encoded 32-byte key.
func (s *Sealer) SetKey(hexKey string) error {
	k, err := hex.DecodeString(strings.TrimSpace(hexKey))
	if err != nil || len(k) != KeySize {
		return errors.New("secrets key must be 64 hex characters (32 bytes)")
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return fmt.Errorf("aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("gcm: %w", err)
	}
	s.aead.Store(&aead)
	return nil
}

func (s *Sealer) cipher() (cipher.AEAD, error) {
	if s == nil {
		return nil, ErrNoKey
	}
	p := s.aead.Load()
	if p == nil {
		return nil, ErrNoKey
	}
	return *p, nil
}

// Seal encrypts plaintext; aad binds the ciphertext to its owner (e.g. the
// agent id) so it cannot be moved to another record.
func (s *Sealer) Seal(plaintext, aad string) (string, error) {
	aead, err := s.cipher()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("read nonce: %w", err)
	}
	out := aead.Seal(nonce, nonce, []byte(plaintext), []byte(aad))
	return sealedPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a sealed value. The error never contains the plaintext.
func (s *Sealer) Open(sealed, aad string) (string, error) {
	aead, err := s.cipher()
	if err != nil {
		return "", err
	}
	body, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", errors.New("sealed value has an unknown format")
	}
	raw, err := base64.StdEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("sealed value is corrupt")
	}
	n := aead.NonceSize()
	pt, err := aead.Open(nil, raw[:n], raw[n:], []byte(aad))
	if err != nil {
		return "", errors.New("sealed value does not open with this key (wrong secrets key, or tampered)")
	}
	return string(pt), nil
}
