// Package egress decides which network addresses the arena may call on an
// agent owner's behalf (webhook turns, model endpoints), and enforces it
// where it cannot be talked around.
//
// Anyone may sign up as an owner and give the arena a URL to call on every
// turn, and the owner reads back what the call answered (the deliveries
// log quotes a reply that was not a move, a forfeit reason quotes an
// endpoint's error). Left open, that makes every node a proxy into its own
// network: http://127.0.0.1:…, 10.x, 169.254.169.254 (cloud metadata), or a
// DNS name that resolves to any of them. Under the Public policy a call
// reaches only public unicast addresses. The check runs at dial time, in
// the dialer's Control hook, on the address the socket is about to connect
// to: after DNS, for every address a name resolves to, and for every
// redirect a client follows, so neither a name, a rebinding DNS server nor
// a redirect gets around it. URLs whose host is an address (or localhost)
// are also refused when an agent is created or changed (CheckURL), so the
// owner learns at once; names can only be checked when they are dialled.
//
// The Any policy, for dev clusters, tests and operators whose agents live
// on their own network, calls every address.
package egress

import (
	"cmp"
	"fmt"
	"net/netip"
	"strings"
)

// Policy says which addresses the arena calls for agents' owners. The zero
// value is Public: a component that was given no policy is safe.
type Policy uint8

const (
	// Public calls only public unicast addresses.
	Public Policy = iota
	// Any calls every address, the arena's own machine and network
	// included.
	Any
)

// Flag is the operator's flag that sets the policy (ARENA_AGENT_EGRESS),
// named in every refusal so the owner knows what their arena's operator
// would have to change.
const Flag = "--agent-egress"

// Parse reads a policy as the flag spells it: "public" or "any".
func Parse(s string) (Policy, error) {
	switch s {
	case "public":
		return Public, nil
	case "any":
		return Any, nil
	}
	return Public, fmt.Errorf("%s must be \"public\" (call only public addresses) or \"any\" (also private and loopback ones), got %q", Flag, s)
}

func (p Policy) String() string {
	if p == Any {
		return "any"
	}
	return "public"
}

// Allows returns nil when the policy lets a call reach addr, else a
// *RefusedError that says why.
func (p Policy) Allows(addr netip.Addr) error {
	if p == Any {
		return nil
	}
	if c := Classify(addr); c != ClassPublic {
		return &RefusedError{Addr: addr.WithZone("").Unmap(), Class: c}
	}
	return nil
}

// RefusedError is a call the policy refused: the address (or name) and
// what it is. Field and Host, filled in by Explain, say which of the
// agent's URLs led there.
type RefusedError struct {
	// Field is the agent's field whose URL was called ("webhook_url",
	// "endpoint.base_url"); "" when unknown.
	Field string
	// Host is the URL's host as written, a name or an address; "" when
	// unknown.
	Host string
	// Redirected is set when Host is not the field's own host but one a
	// redirect pointed to.
	Redirected bool
	// Addr is the address refused; invalid for a name refused as such
	// (localhost).
	Addr  netip.Addr
	Class Class
}

// rule is what every refusal ends with: what the arena calls and who can
// change it.
const rule = "this arena calls only public addresses (its operator allows others with " + Flag + "=any)"

func (e *RefusedError) Error() string {
	// Who was called: the field and its host, the host a redirect named,
	// or only the address when nothing else is known.
	var who string
	switch {
	case e.Redirected:
		who = e.Field + " redirected to " + e.Host + ", which"
	case e.Field != "" && e.Host != "":
		who = e.Field + " host " + e.Host
	case e.Host != "":
		who = e.Host
	case e.Field != "":
		who = e.Field
	}
	switch {
	case !e.Addr.IsValid():
		// A name refused before any lookup: localhost.
		return fmt.Sprintf("%s is a %s name; %s", cmp.Or(who, "the host"), e.Class.short(), rule)
	case who == "":
		return fmt.Sprintf("%s is %s; %s", e.Addr, e.Class.describe(), rule)
	case strings.Trim(e.Host, "[]") == e.Addr.String():
		// The URL named the address itself.
		return fmt.Sprintf("%s is %s; %s", who, e.Class.describe(), rule)
	}
	return fmt.Sprintf("%s resolves to %s, %s; %s", who, e.Addr, e.Class.describe(), rule)
}

// Brief says the refusal in a few words, for a forfeit reason that keeps
// only 64 bytes: "not public: loopback 127.0.0.1".
func (e *RefusedError) Brief() string {
	if !e.Addr.IsValid() {
		return "not public: " + e.Host
	}
	return "not public: " + e.Class.short() + " " + e.Addr.String()
}
