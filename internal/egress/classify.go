package egress

import "net/netip"

// Class is what kind of address an IP is, as far as the policy cares.
type Class uint8

// The classes. Everything but ClassPublic is refused under Public.
const (
	ClassPublic Class = iota
	ClassLoopback
	ClassPrivate     // RFC 1918
	ClassUniqueLocal // RFC 4193, IPv6's private range
	ClassLinkLocal   // 169.254/16, fe80::/10: where cloud metadata lives
	ClassShared      // RFC 6598, carrier-grade NAT
	ClassUnspecified // 0.0.0.0/8, ::: connecting to it reaches this machine
	ClassMulticast
	ClassDocumentation
	ClassReserved // everything else that is not global unicast
)

// short names the class in a word or two.
func (c Class) short() string {
	switch c {
	case ClassPublic:
		return "public"
	case ClassLoopback:
		return "loopback"
	case ClassPrivate:
		return "private"
	case ClassUniqueLocal:
		return "unique-local"
	case ClassLinkLocal:
		return "link-local"
	case ClassShared:
		return "shared (CGNAT)"
	case ClassUnspecified:
		return "unspecified"
	case ClassMulticast:
		return "multicast"
	case ClassDocumentation:
		return "documentation"
	}
	return "reserved"
}

func (c Class) String() string { return c.short() }

// describe is the class as a refusal says it, with the rule behind it.
func (c Class) describe() string {
	switch c {
	case ClassPublic:
		return "a public address"
	case ClassLoopback:
		return "a loopback address"
	case ClassPrivate:
		return "a private address (RFC 1918)"
	case ClassUniqueLocal:
		return "a unique local address (RFC 4193, IPv6's private range)"
	case ClassLinkLocal:
		return "a link-local address (the range of cloud metadata services such as 169.254.169.254)"
	case ClassShared:
		return "a shared address (RFC 6598, carrier-grade NAT)"
	case ClassUnspecified:
		return "an unspecified address (a connection to it reaches the arena's own machine)"
	case ClassMulticast:
		return "a multicast address"
	case ClassDocumentation:
		return "a documentation address"
	}
	return "a reserved address, not a public unicast one"
}

type rangeClass struct {
	prefix netip.Prefix
	class  Class
}

// v4 lists the IPv4 ranges that are not public (IANA's special-purpose
// registry, RFC 6890 and successors). Order does not matter: they do not
// overlap.
var v4 = []rangeClass{
	{netip.MustParsePrefix("0.0.0.0/8"), ClassUnspecified},
	{netip.MustParsePrefix("10.0.0.0/8"), ClassPrivate},
	{netip.MustParsePrefix("100.64.0.0/10"), ClassShared},
	{netip.MustParsePrefix("127.0.0.0/8"), ClassLoopback},
	{netip.MustParsePrefix("169.254.0.0/16"), ClassLinkLocal},
	{netip.MustParsePrefix("172.16.0.0/12"), ClassPrivate},
	{netip.MustParsePrefix("192.0.0.0/24"), ClassReserved}, // IETF protocol assignments
	{netip.MustParsePrefix("192.0.2.0/24"), ClassDocumentation},
	{netip.MustParsePrefix("192.88.99.0/24"), ClassReserved}, // 6to4 relay anycast
	{netip.MustParsePrefix("192.168.0.0/16"), ClassPrivate},
	{netip.MustParsePrefix("198.18.0.0/15"), ClassReserved}, // benchmarking
	{netip.MustParsePrefix("198.51.100.0/24"), ClassDocumentation},
	{netip.MustParsePrefix("203.0.113.0/24"), ClassDocumentation},
	{netip.MustParsePrefix("224.0.0.0/4"), ClassMulticast},
	{netip.MustParsePrefix("240.0.0.0/4"), ClassReserved}, // and 255.255.255.255
}

// v6 lists the IPv6 ranges inside 2000::/3 (global unicast) that are not
// public, and the named ranges outside it; whatever else lies outside
// 2000::/3 is reserved. IPv4-mapped addresses (::ffff:a.b.c.d) are
// classified as the IPv4 address they carry, and so are NAT64 ones
// (64:ff9b::/96), which a NAT64 gateway turns into that IPv4 address.
var v6 = []rangeClass{
	{netip.MustParsePrefix("::/128"), ClassUnspecified},
	{netip.MustParsePrefix("::1/128"), ClassLoopback},
	{netip.MustParsePrefix("fc00::/7"), ClassUniqueLocal},
	{netip.MustParsePrefix("fe80::/10"), ClassLinkLocal},
	{netip.MustParsePrefix("ff00::/8"), ClassMulticast},
	{netip.MustParsePrefix("2001::/23"), ClassReserved}, // IETF protocol assignments, Teredo among them
	{netip.MustParsePrefix("2001:db8::/32"), ClassDocumentation},
	{netip.MustParsePrefix("2002::/16"), ClassReserved}, // 6to4, which carries an IPv4 address the policy would not see
	{netip.MustParsePrefix("3fff::/20"), ClassDocumentation},
}

var (
	globalUnicast = netip.MustParsePrefix("2000::/3")
	nat64         = netip.MustParsePrefix("64:ff9b::/96")
)

// Classify says what kind of address ip is. An invalid address is
// reserved, so a caller that checks Classify(ip) == ClassPublic fails
// closed.
func Classify(ip netip.Addr) Class {
	if !ip.IsValid() {
		return ClassReserved
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is4() {
		for _, r := range v4 {
			if r.prefix.Contains(ip) {
				return r.class
			}
		}
		return ClassPublic
	}
	if nat64.Contains(ip) {
		b := ip.As16()
		return Classify(netip.AddrFrom4([4]byte(b[12:])))
	}
	for _, r := range v6 {
		if r.prefix.Contains(ip) {
			return r.class
		}
	}
	if !globalUnicast.Contains(ip) {
		return ClassReserved
	}
	return ClassPublic
}
