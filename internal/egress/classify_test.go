package egress

import (
	"net/netip"
	"testing"

	"github.com/agentarena/arena/internal/fuzzseed"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		addr string
		want Class
	}{
		// IPv4
		{"8.8.8.8", ClassPublic},
		{"1.1.1.1", ClassPublic},
		{"93.184.216.34", ClassPublic},
		{"0.0.0.0", ClassUnspecified},
		{"0.1.2.3", ClassUnspecified},
		{"10.0.0.1", ClassPrivate},
		{"10.255.255.255", ClassPrivate},
		{"11.0.0.0", ClassPublic},
		{"100.63.255.255", ClassPublic},
		{"100.64.0.1", ClassShared},
		{"100.127.255.255", ClassShared},
		{"100.128.0.0", ClassPublic},
		{"127.0.0.1", ClassLoopback},
		{"127.255.255.254", ClassLoopback},
		{"169.254.169.254", ClassLinkLocal},
		{"169.254.0.1", ClassLinkLocal},
		{"172.15.255.255", ClassPublic},
		{"172.16.0.1", ClassPrivate},
		{"172.31.255.255", ClassPrivate},
		{"172.32.0.0", ClassPublic},
		{"192.0.0.8", ClassReserved},
		{"192.0.2.1", ClassDocumentation},
		{"192.88.99.1", ClassReserved},
		{"192.168.1.1", ClassPrivate},
		{"198.18.0.1", ClassReserved},
		{"198.19.255.255", ClassReserved},
		{"198.51.100.7", ClassDocumentation},
		{"203.0.113.9", ClassDocumentation},
		{"224.0.0.1", ClassMulticast},
		{"239.255.255.250", ClassMulticast},
		{"240.0.0.1", ClassReserved},
		{"255.255.255.255", ClassReserved},
		// IPv4 carried in IPv6: the IPv4 address decides.
		{"::ffff:127.0.0.1", ClassLoopback},
		{"::ffff:169.254.169.254", ClassLinkLocal},
		{"::ffff:10.1.2.3", ClassPrivate},
		{"::ffff:8.8.8.8", ClassPublic},
		{"64:ff9b::127.0.0.1", ClassLoopback},
		{"64:ff9b::a9fe:a9fe", ClassLinkLocal},
		{"64:ff9b::8.8.8.8", ClassPublic},
		{"::127.0.0.1", ClassReserved}, // IPv4-compatible, deprecated
		{"::ffff:0:7f00:1", ClassReserved},
		{"2002:7f00:1::1", ClassReserved},                       // 6to4 of 127.0.0.1
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", ClassReserved}, // Teredo
		// IPv6
		{"::", ClassUnspecified},
		{"::1", ClassLoopback},
		{"fe80::1", ClassLinkLocal},
		{"fe80::1%eth0", ClassLinkLocal},
		{"febf::1", ClassLinkLocal},
		{"fc00::1", ClassUniqueLocal},
		{"fd00:ec2::254", ClassUniqueLocal}, // AWS's IPv6 metadata address
		{"ff02::1", ClassMulticast},
		{"ff0e::1", ClassMulticast},
		{"2001:db8::1", ClassDocumentation},
		{"3fff::1", ClassDocumentation},
		{"100::1", ClassReserved},
		{"fec0::1", ClassReserved}, // site-local, deprecated
		{"4000::1", ClassReserved},
		{"2606:4700:4700::1111", ClassPublic},
		{"2a00:1450:4001:80b::200e", ClassPublic},
	}
	for _, tt := range tests {
		t.Run(tt.addr+" is "+tt.want.String(), func(t *testing.T) {
			if got := Classify(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("Classify(%s) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
	t.Run("an invalid address is not public", func(t *testing.T) {
		if got := Classify(netip.Addr{}); got == ClassPublic {
			t.Errorf("Classify(invalid) = %v", got)
		}
	})
}

// FuzzClassify checks the classifier against the standard library's own
// predicates and against itself across the ways IPv6 carries IPv4.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "10.0.0.1", "169.254.169.254", "8.8.8.8", "::1", "fe80::1", "fd00::1", "2001:db8::1", "2606:4700::1", "100.64.0.1"} {
		a := netip.MustParseAddr(s).As16()
		fuzzseed.Add(f, a[:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a16 [16]byte
		copy(a16[:], b)
		for _, ip := range []netip.Addr{netip.AddrFrom16(a16), netip.AddrFrom4([4]byte(a16[12:]))} {
			c := Classify(ip)
			if c == ClassPublic && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
				ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsUnspecified() || !ip.Unmap().IsGlobalUnicast()) {
				t.Fatalf("Classify(%s) = public, but the standard library says it is not global unicast", ip)
			}
			if err := Public.Allows(ip); (err == nil) != (c == ClassPublic) {
				t.Fatalf("Public.Allows(%s) = %v, but Classify says %v", ip, err, c)
			}
			if err := Any.Allows(ip); err != nil {
				t.Fatalf("Any.Allows(%s) = %v", ip, err)
			}
		}
		v4 := netip.AddrFrom4([4]byte(a16[12:]))
		mapped := netip.AddrFrom16(v4.As16())
		if Classify(mapped) != Classify(v4) {
			t.Fatalf("Classify(%s) = %v but Classify(%s) = %v", mapped, Classify(mapped), v4, Classify(v4))
		}
		var n64 [16]byte
		copy(n64[:], netip.MustParseAddr("64:ff9b::").AsSlice())
		copy(n64[12:], v4.AsSlice())
		if got := Classify(netip.AddrFrom16(n64)); got != Classify(v4) {
			t.Fatalf("Classify(NAT64 of %s) = %v, want %v", v4, got, Classify(v4))
		}
	})
}
