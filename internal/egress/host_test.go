package egress

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/agentarena/arena/internal/fuzzseed"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url string
		// want is a part of the refusal under Public; "" passes.
		want string
	}{
		{"https://bots.example.com/turn", ""},
		{"http://8.8.8.8/turn", ""},
		{"http://[2606:4700:4700::1111]:8080/v1", ""},
		{"http://internal.corp:9000/", ""}, // a name: checked when dialled
		{"http://127.0.0.1:9000/turn", "webhook_url host 127.0.0.1 is a loopback address; this arena calls only public addresses (its operator allows others with --agent-egress=any)"},
		{"http://127.8.9.10/", "127.8.9.10 is a loopback address"},
		{"http://localhost:9000/", "webhook_url host localhost is a loopback name; this arena calls only public addresses"},
		{"http://LOCALHOST./", "host LOCALHOST. is a loopback name"},
		{"http://api.localhost/", "host api.localhost is a loopback name"},
		{"http://[::1]:9000/", "host ::1 is a loopback address"},
		{"http://[::ffff:127.0.0.1]/", "resolves to 127.0.0.1, a loopback address"},
		{"http://[fe80::1%25eth0]/", "host fe80::1%eth0 resolves to fe80::1, a link-local address"},
		{"http://0.0.0.0:8080/", "0.0.0.0 is an unspecified address"},
		{"http://10.0.0.9:8000/v1", "10.0.0.9 is a private address (RFC 1918)"},
		{"http://172.20.1.1/", "a private address (RFC 1918)"},
		{"http://192.168.1.10/", "a private address (RFC 1918)"},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address (the range of cloud metadata services such as 169.254.169.254)"},
		{"http://100.100.100.200/", "a shared address (RFC 6598, carrier-grade NAT)"},
		{"http://[fd00:ec2::254]/", "a unique local address (RFC 4193"},
		{"http://224.0.0.1/", "a multicast address"},
		// Other spellings of 127.0.0.1 the C resolver and browsers accept.
		{"http://2130706433/", "host 2130706433 resolves to 127.0.0.1, a loopback address"},
		{"http://0x7f000001/", "resolves to 127.0.0.1"},
		{"http://0x7f.1/", "resolves to 127.0.0.1"},
		{"http://0177.0.0.1/", "resolves to 127.0.0.1"},
		{"http://127.1/", "resolves to 127.0.0.1"},
		{"http://0251.0376.0251.0376/", "resolves to 169.254.169.254"},
		{"http://167772161/", "resolves to 10.0.0.1"},
		// Numbers that are no address are names, for the dialler.
		{"http://4294967296/", ""},
		{"http://1.2.3.4.5/", ""},
		{"http://256.1.1.1/", ""},
		{"http://09.1.1.1/", ""},
		{"http://1.2.3.4x/", ""},
		{"not a url\x7f", ""},
	}
	for _, tt := range tests {
		name := tt.url + " passes"
		if tt.want != "" {
			name = tt.url + " is refused"
		}
		t.Run(name, func(t *testing.T) {
			err := Public.CheckURL("webhook_url", tt.url)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("passed, want a refusal saying %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("refusal %q does not say %q", err, tt.want)
			}
			var re *RefusedError
			if err != nil && !errors.As(err, &re) {
				t.Fatalf("refusal is a %T, not a *RefusedError", err)
			}
			if err := Any.CheckURL("webhook_url", tt.url); err != nil {
				t.Fatalf("Any refused it: %v", err)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Policy
		ok   bool
	}{{"public", Public, true}, {"any", Any, true}, {"", Public, false}, {"private", Public, false}, {"ANY", Public, false}} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("Parse(%q) = %v, %v", tt.in, got, err)
			}
			if err != nil && !strings.Contains(err.Error(), "--agent-egress must be") {
				t.Fatalf("error %q does not name the flag", err)
			}
			if err == nil && got.String() != tt.in {
				t.Fatalf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

// FuzzCheckURL: any URL an owner sends is answered without a panic; a
// refusal names an address that is not public (or localhost), and an
// address written plainly is judged as Classify judges it.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:9000/turn", "http://localhost/", "http://[::ffff:10.0.0.1]/", "http://2130706433/",
		"http://0x7f.1/", "http://0177.0.0.1/", "https://bots.example.com/x", "http://[fe80::1%25eth0]:80/", "http://1.2.3.4.5/"} {
		fuzzseed.Add(f, s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err := Public.CheckURL("webhook_url", raw)
		if err != nil {
			var re *RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("refusal %T: %v", err, err)
			}
			if re.Addr.IsValid() && Classify(re.Addr) == ClassPublic {
				t.Fatalf("%q refused for the public address %s", raw, re.Addr)
			}
			if !re.Addr.IsValid() && !isLocalhost(re.Host) {
				t.Fatalf("%q refused with no address for the host %q", raw, re.Host)
			}
		}
		if err := Any.CheckURL("webhook_url", raw); err != nil {
			t.Fatalf("Any refused %q: %v", raw, err)
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			return
		}
		if a, perr := netip.ParseAddr(u.Hostname()); perr == nil {
			if refused := err != nil; refused != (Classify(a) != ClassPublic) {
				t.Fatalf("%q: refused %v, but %s is %v", raw, refused, a, Classify(a))
			}
		}
	})
}
