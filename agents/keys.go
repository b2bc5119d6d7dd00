package agents

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
)

// Key prefixes tell a reader (and a secret scanner) what a leaked key opens.
const (
	OwnerKeyPrefix = "aro_"
	AgentKeyPrefix = "ara_"
	OperatorPrefix = "arop_"
	TrainerPrefix  = "art_"
)

// keyBytes is 160 bits of entropy, above the 128 the threat model asks for.
const keyBytes = 20

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewKey returns a fresh random key with the given prefix.
func NewKey(prefix string) (string, error) {
	b := make([]byte, keyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random key: %w", err)
	}
	return prefix + strings.ToLower(keyEncoding.EncodeToString(b)), nil
}

// HashKey is the at-rest form of a key. Keys carry 160 random bits, so an
// unsalted fast hash is enough: there is nothing to brute-force.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// HashesEqual compares two hex hashes in constant time.
func HashesEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// NewID returns a random identifier such as "ag_3f9c0e1d2b7a4c58e1f0".
// IDs are chosen by the leader before proposing, so replicas never draw
// randomness themselves.
func NewID(prefix string) (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random id: %w", err)
	}
	return prefix + "_" + hex.EncodeToString(b), nil
}
