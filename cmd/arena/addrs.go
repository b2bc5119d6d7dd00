package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// checkAddrs refuses addresses peers could not use, naming the flag and
// the value as typed, before the node touches its data dir: etcd
// likewise validates its URLs before it creates anything.
func (m *Main) checkAddrs() error {
	if err := checkRaftAddrs(m.RaftAddr, m.RaftAdvertise); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(m.HTTPAddr); err != nil {
		return fmt.Errorf("--http-addr %q is not host:port (for example :8080 or 10.0.0.1:8080): %v", m.HTTPAddr, addrErr(err))
	}
	if m.HTTPAdvertise != "" {
		if err := checkBaseURL(m.HTTPAdvertise); err != nil {
			return fmt.Errorf("--http-advertise %q: %v: give the URL peers and clients reach this node at, such as %s", m.HTTPAdvertise, err, example(m.HTTPAdvertise))
		}
	}
	if m.Join != "" {
		if err := checkBaseURL(m.Join); err != nil {
			return fmt.Errorf("--join %q: %v: give the HTTP URL of a running member, such as %s", m.Join, err, example(m.Join))
		}
	}
	return nil
}

// checkRaftAddrs refuses a Raft listen address that is not host:port,
// one on every interface without an advertised address, and an advertised
// address peers cannot dial. arena serve and arena restore (which stores
// the address in the configuration it writes) check alike.
func checkRaftAddrs(raftAddr, raftAdvertise string) error {
	host, port, err := net.SplitHostPort(raftAddr)
	if err != nil {
		return fmt.Errorf("--raft-addr %q is not host:port (for example 10.0.0.1:7000): %v", raftAddr, addrErr(err))
	}
	if raftAdvertise == "" && unspecifiedHost(host) {
		return fmt.Errorf("--raft-addr %s listens on every interface, and peers cannot dial that address: "+
			"also give --raft-advertise with this machine's routable address and the same port (for example --raft-advertise 10.0.0.1:%s), "+
			"or listen on that address", raftAddr, port)
	}
	if raftAdvertise != "" {
		host, port, err := net.SplitHostPort(raftAdvertise)
		if err != nil {
			return fmt.Errorf("--raft-advertise %q is not host:port (for example 10.0.0.1:7000): %v", raftAdvertise, addrErr(err))
		}
		if unspecifiedHost(host) || port == "0" {
			return fmt.Errorf("--raft-advertise %s is not an address peers can dial: give this machine's routable address and the port --raft-addr listens on (for example 10.0.0.1:7000)", raftAdvertise)
		}
	}
	return nil
}

// example is an http URL like the one s was probably meant to be: s
// itself with the scheme it lacks, when it is a plain host:port.
func example(s string) string {
	if _, _, err := net.SplitHostPort(s); err == nil && !strings.Contains(s, "/") {
		return "http://" + s
	}
	return "http://10.0.0.1:8080"
}

// addrErr is net's complaint about an address without the address,
// which the caller names already.
func addrErr(err error) string {
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return ae.Err
	}
	return err.Error()
}

// unspecifiedHost reports a listen host that means every interface
// ("", 0.0.0.0, ::).
func unspecifiedHost(host string) bool {
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// checkBaseURL accepts an http or https URL with a host and no query.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return errors.New("not an http:// or https:// URL")
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("the URL names no host")
	}
	if unspecifiedHost(u.Hostname()) {
		return errors.New("the URL's host is an address nobody can dial")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("the URL has a query or fragment")
	}
	return nil
}

// joinsItself reports whether the --join URL reaches this very node: its
// advertised URL, or a host that resolves to an address the HTTP
// listener at listen accepts connections on, with the listener's port. A
// join through itself cannot succeed (the node knows no leader, so it
// would retry for a minute); a name that does not resolve is left to the
// join to report.
func joinsItself(join, advertise string, listen *net.TCPAddr) bool {
	if strings.TrimRight(join, "/") == strings.TrimRight(advertise, "/") {
		return true
	}
	u, err := url.Parse(join)
	if err != nil || listen == nil {
		return false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if port != fmt.Sprint(listen.Port) {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, u.Hostname())
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if listensOn(listen.IP, a.IP) {
			return true
		}
	}
	return false
}

// listensOn reports whether a listener bound to bound accepts connections
// to ip: its own address, or, bound to every interface, any address of
// this machine.
func listensOn(bound, ip net.IP) bool {
	if bound != nil && !bound.IsUnspecified() {
		return bound.Equal(ip)
	}
	if ip.IsLoopback() {
		return true
	}
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range ifaddrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}
