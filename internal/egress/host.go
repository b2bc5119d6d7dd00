package egress

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// CheckURL refuses, under Public, a URL whose host is an address the
// policy would not call, or localhost: what can be known before any DNS
// lookup, so an agent's owner learns it when creating the agent rather
// than from its first failed turn. A name passes: it is checked against
// the addresses it resolves to when it is dialled. field names the URL in
// the error ("webhook_url"). An unparsable URL passes too; the caller's
// own validation refuses it.
func (p Policy) CheckURL(field, raw string) error {
	if p == Any {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	host := u.Hostname()
	if isLocalhost(host) {
		return &RefusedError{Field: field, Host: host, Class: ClassLoopback}
	}
	addr, ok := hostAddr(host)
	if !ok {
		return nil
	}
	if c := Classify(addr); c != ClassPublic {
		return &RefusedError{Field: field, Host: host, Addr: addr.WithZone("").Unmap(), Class: c}
	}
	return nil
}

// isLocalhost reports whether a name is localhost or one under it, which
// RFC 6761 reserves for the loopback and resolvers answer as such.
func isLocalhost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// hostAddr reads a URL's host as an address: an IPv6 or dotted IPv4
// literal, or one of the other spellings of IPv4 that inet_aton (and so
// the C resolver, curl and browsers) accepts: 2130706433, 0x7f.1,
// 0177.0.0.1, 127.1.
func hostAddr(host string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a, true
	}
	h := strings.TrimSuffix(host, ".")
	parts := strings.Split(h, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var vals []uint64
	for _, part := range parts {
		v, ok := atonPart(part)
		if !ok {
			return netip.Addr{}, false
		}
		vals = append(vals, v)
	}
	// Every part but the last is one byte; the last fills the rest.
	var n uint64
	for _, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n = n<<8 | v
	}
	last := vals[len(vals)-1]
	restBits := uint(8 * (5 - len(vals)))
	if last >= 1<<restBits {
		return netip.Addr{}, false
	}
	n = n<<restBits | last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// atonPart reads one part of an inet_aton address: 0x-prefixed hex,
// 0-prefixed octal, or decimal.
func atonPart(s string) (uint64, bool) {
	base := 10
	switch {
	case s == "":
		return 0, false
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
	case len(s) > 1 && s[0] == '0':
		s, base = s[1:], 8
	}
	v, err := strconv.ParseUint(s, base, 32)
	return v, err == nil
}
