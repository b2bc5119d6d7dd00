package web

import (
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// RegisterFlags adds a flag for every limit to fs, each falling back to
// an ARENA_* environment variable read through env (name, default) as
// `arena serve` reads its other flags. Values land in l when fs parses;
// the defaults are DefaultLimits. AllowedOrigins gets -allowed-origins
// (comma-separated).
func (l *Limits) RegisterFlags(fs *flag.FlagSet, env func(name, def string) string, origins *[]string) error {
	*l = DefaultLimits
	var errs []string
	intFlag := func(dst *int, name, envName, usage string) {
		limitFlag(fs, env, &errs, dst, name, envName, usage+" (-1: off)", strconv.Atoi)
	}
	int64Flag := func(dst *int64, name, envName, usage string) {
		limitFlag(fs, env, &errs, dst, name, envName, usage+" (-1: off)", func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })
	}
	floatFlag := func(dst *float64, name, envName, usage string) {
		limitFlag(fs, env, &errs, dst, name, envName, usage+" (-1: off)", func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
	}
	durFlag := func(dst *time.Duration, name, envName, usage string) {
		limitFlag(fs, env, &errs, dst, name, envName, usage, func(s string) (time.Duration, error) {
			d, err := time.ParseDuration(s)
			if err == nil && d <= 0 {
				err = fmt.Errorf("must be positive")
			}
			return d, err
		})
	}
	int64Flag(&l.FrameBytes, "max-frame-bytes", "ARENA_MAX_FRAME_BYTES", "largest websocket frame an agent may send")
	floatFlag(&l.FramesPerSecond, "frames-per-second", "ARENA_FRAMES_PER_SECOND", "frames per second one agent connection may send")
	intFlag(&l.FrameBurst, "frame-burst", "ARENA_FRAME_BURST", "frames an agent connection may send at once above that rate")
	intFlag(&l.WSConnsPerKey, "ws-conns-per-key", "ARENA_WS_CONNS_PER_KEY", "websockets open at once per API key")
	intFlag(&l.WSConnsPerIP, "ws-conns-per-ip", "ARENA_WS_CONNS_PER_IP", "websockets open at once per client address")
	floatFlag(&l.RequestsPerSecondPerKey, "rps-per-key", "ARENA_RPS_PER_KEY", "requests per second per API key")
	intFlag(&l.RequestBurstPerKey, "burst-per-key", "ARENA_BURST_PER_KEY", "requests per API key at once above that rate")
	floatFlag(&l.RequestsPerSecondPerIP, "rps-per-ip", "ARENA_RPS_PER_IP", "requests per second per client address without a key")
	intFlag(&l.RequestBurstPerIP, "burst-per-ip", "ARENA_BURST_PER_IP", "requests per client address at once above that rate")
	floatFlag(&l.SignupsPerHourPerIP, "signups-per-hour-per-ip", "ARENA_SIGNUPS_PER_HOUR_PER_IP", "owners one client address may sign up per hour")
	intFlag(&l.SignupBurstPerIP, "signup-burst-per-ip", "ARENA_SIGNUP_BURST_PER_IP", "owners one client address may sign up at once above that rate")
	floatFlag(&l.KeyChangesPerHourPerOwner, "key-changes-per-hour-per-owner", "ARENA_KEY_CHANGES_PER_HOUR_PER_OWNER", "key rotations and agent deletions one owner may make per hour")
	intFlag(&l.KeyChangeBurstPerOwner, "key-change-burst-per-owner", "ARENA_KEY_CHANGE_BURST_PER_OWNER", "key rotations and agent deletions one owner may make at once above that rate")
	intFlag(&l.AgentsPerOwner, "max-agents-per-owner", "ARENA_MAX_AGENTS_PER_OWNER", "live agents one owner may have; the leader's value counts, so set it alike on every node")
	intFlag(&l.TCPConnsPerIP, "tcp-conns-per-ip", "ARENA_TCP_CONNS_PER_IP", "TCP connections open at once per client address")
	intFlag(&l.MaxHeaderBytes, "max-header-bytes", "ARENA_MAX_HEADER_BYTES", "largest request header")
	durFlag(&l.ReadHeaderTimeout, "read-header-timeout", "ARENA_READ_HEADER_TIMEOUT", "time a client has to send its request header")
	durFlag(&l.ReadTimeout, "read-timeout", "ARENA_READ_TIMEOUT", "time a client has to send its whole request")
	durFlag(&l.WriteTimeout, "write-timeout", "ARENA_WRITE_TIMEOUT", "time a response may take to write (websockets excepted)")
	durFlag(&l.IdleTimeout, "idle-timeout", "ARENA_IDLE_TIMEOUT", "time an idle keep-alive connection stays open")

	if v := env("ARENA_TRUSTED_PROXIES", ""); v != "" {
		if err := l.setTrustedProxies(v); err != nil {
			errs = append(errs, "ARENA_TRUSTED_PROXIES: "+err.Error())
		}
	}
	fs.Func("trusted-proxies", "comma-separated addresses or CIDR prefixes (10.0.0.0/8) of the reverse proxies in front of this node: a request from one is charged to the client its X-Forwarded-For names [ARENA_TRUSTED_PROXIES]", l.setTrustedProxies)

	if v := env("ARENA_ALLOWED_ORIGINS", ""); v != "" {
		*origins = splitOrigins(v)
	}
	fs.Func("allowed-origins", "comma-separated origins (https://ui.example.com) whose pages may open websockets and send writes here, besides this node's own [ARENA_ALLOWED_ORIGINS]", func(s string) error {
		*origins = splitOrigins(s)
		return ValidateOrigins(*origins)
	})
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return ValidateOrigins(*origins)
}

func splitOrigins(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// limitFlag registers one flag whose default is *dst, overridden first by
// the environment variable (a bad value is added to errs) and then by the
// flag.
func limitFlag[T any](fs *flag.FlagSet, env func(name, def string) string, errs *[]string, dst *T,
	name, envName, usage string, parse func(string) (T, error)) {
	def := fmt.Sprint(*dst)
	if v := env(envName, ""); v != "" {
		if x, err := parse(v); err == nil {
			*dst = x
		} else {
			*errs = append(*errs, fmt.Sprintf("%s=%q: %v", envName, v, err))
		}
	}
	fs.Func(name, fmt.Sprintf("%s (default %s) [%s]", usage, def, envName), func(s string) error {
		x, err := parse(s)
		if err != nil {
			return err
		}
		*dst = x
		return nil
	})
}

// setTrustedProxies reads a comma-separated list of addresses and CIDR
// prefixes.
func (l *Limits) setTrustedProxies(v string) error {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return fmt.Errorf("%q is neither an IP address nor a CIDR prefix (10.0.0.0/8)", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	l.TrustedProxies = out
	return nil
}
