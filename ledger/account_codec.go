package ledger

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// Every transfer reads and writes two accounts, and encoding/json's
// reflection was most of the ledger's own CPU per grant. An account's
// stored form is what json.Marshal writes for it, so the common case (ids,
// kinds and currencies of plain ASCII) is written and read here directly,
// byte for byte the same; anything else goes through encoding/json.
// Transfers are written (never read on the hot path) the same way.
// FuzzAccountCodec and FuzzTransferEncoding hold them to encoding/json.

// plainJSON reports whether json.Marshal writes s as it is between quotes:
// printable ASCII without the characters it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// encodeAccount is json.Marshal(a).
func encodeAccount(a Account) ([]byte, error) {
	if !plainJSON(a.ID) || !plainJSON(a.Kind) || !plainJSON(a.Currency) {
		return json.Marshal(a)
	}
	b := make([]byte, 0, 48+len(a.ID)+len(a.Kind)+len(a.Currency))
	b = append(b, `{"id":"`...)
	b = append(b, a.ID...)
	b = append(b, `","kind":"`...)
	b = append(b, a.Kind...)
	b = append(b, `","currency":"`...)
	b = append(b, a.Currency...)
	b = append(b, `","balance":`...)
	b = strconv.AppendInt(b, a.Balance, 10)
	return append(b, '}'), nil
}

// decodeAccount is json.Unmarshal into an Account.
func decodeAccount(data []byte) (Account, error) {
	if a, ok := decodePlainAccount(data); ok {
		return a, nil
	}
	var a Account
	err := json.Unmarshal(data, &a)
	return a, err
}

// decodePlainAccount reads exactly what encodeAccount writes for plain
// strings, and reports false for anything else.
func decodePlainAccount(data []byte) (a Account, ok bool) {
	rest := data
	field := func(prefix string) (string, bool) {
		if !bytes.HasPrefix(rest, []byte(prefix)) {
			return "", false
		}
		rest = rest[len(prefix):]
		end := bytes.IndexByte(rest, '"')
		if end < 0 {
			return "", false
		}
		s := string(rest[:end])
		rest = rest[end+1:]
		return s, plainJSON(s)
	}
	if a.ID, ok = field(`{"id":"`); !ok {
		return Account{}, false
	}
	if a.Kind, ok = field(`,"kind":"`); !ok {
		return Account{}, false
	}
	if a.Currency, ok = field(`,"currency":"`); !ok {
		return Account{}, false
	}
	const bal = `,"balance":`
	if !bytes.HasPrefix(rest, []byte(bal)) || len(rest) < len(bal)+2 || rest[len(rest)-1] != '}' {
		return Account{}, false
	}
	num := rest[len(bal) : len(rest)-1]
	// strconv accepts forms JSON does not ("+1", "01", "-0" is fine in
	// both); the canonical form round-trips, anything else falls back.
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != string(num) {
		return Account{}, false
	}
	a.Balance = n
	return a, true
}

// encodeTransfer is json.Marshal(t).
func encodeTransfer(t Transfer) ([]byte, error) {
	// time.Time's MarshalJSON refuses years outside 0–9999, and writes
	// the zone's offset: only UTC years in range are written here.
	if y := t.At.Year(); y < 0 || y > 9999 || t.At.Location() != time.UTC {
		return json.Marshal(t)
	}
	for _, s := range []string{t.ID, t.From, t.To, t.Currency, t.Kind, t.Contest, t.Memo, t.PrevHash, t.Hash} {
		if !plainJSON(s) {
			return json.Marshal(t)
		}
	}
	b := make([]byte, 0, 256+len(t.Memo))
	str := func(key, v string) {
		b = append(b, key...)
		b = append(b, v...)
		b = append(b, '"')
	}
	str(`{"id":"`, t.ID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, t.Seq, 10)
	str(`,"from":"`, t.From)
	str(`,"to":"`, t.To)
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, t.Amount, 10)
	str(`,"currency":"`, t.Currency)
	str(`,"kind":"`, t.Kind)
	if t.Contest != "" {
		str(`,"contest":"`, t.Contest)
	}
	if t.Memo != "" {
		str(`,"memo":"`, t.Memo)
	}
	b = append(b, `,"at":"`...)
	b = t.At.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	str(`,"prev_hash":"`, t.PrevHash)
	str(`,"hash":"`, t.Hash)
	return append(b, '}'), nil
}
