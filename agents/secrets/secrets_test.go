package secrets

import (
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(k)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal("sk-very-secret", "ag_1")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the sealed form does not contain the secret", func(t *testing.T) {
		if strings.Contains(sealed, "sk-very-secret") {
			t.Fatal("plaintext visible")
		}
	})
	t.Run("it opens with the same key and owner", func(t *testing.T) {
		if got, err := s.Open(sealed, "ag_1"); err != nil || got != "sk-very-secret" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("it does not open for another owner", func(t *testing.T) {
		if _, err := s.Open(sealed, "ag_2"); err == nil {
			t.Fatal("opened for another owner")
		}
	})
	t.Run("it does not open with another key", func(t *testing.T) {
		k2, _ := NewKey()
		s2, _ := New(k2)
		if _, err := s2.Open(sealed, "ag_1"); err == nil || strings.Contains(err.Error(), "secret") && strings.Contains(err.Error(), "sk-") {
			t.Fatalf("opened with another key or leaked: %v", err)
		}
	})
	t.Run("two seals of the same value differ", func(t *testing.T) {
		again, _ := s.Seal("sk-very-secret", "ag_1")
		if again == sealed {
			t.Fatal("nonce reuse")
		}
	})
	t.Run("an empty sealer refuses until it gets a key", func(t *testing.T) {
		var e Sealer
		if _, err := e.Seal("x", "a"); err != ErrNoKey {
			t.Fatalf("got %v", err)
		}
		if err := e.SetKey(k); err != nil {
			t.Fatal(err)
		}
		if got, err := e.Open(sealed, "ag_1"); err != nil || got != "sk-very-secret" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("bad keys are refused", func(t *testing.T) {
		for _, bad := range []string{"", "abc", strings.Repeat("zz", 32)} {
			if _, err := New(bad); err == nil {
				t.Fatalf("accepted %q", bad)
			}
		}
	})
}
