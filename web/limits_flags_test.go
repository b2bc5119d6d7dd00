package web_test

import (
	"flag"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/agentarena/arena/web"
)

func TestLimitFlags(t *testing.T) {
	parse := func(args []string, envs map[string]string) (web.Limits, []string, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		env := func(name, def string) string {
			if v, ok := envs[name]; ok {
				return v
			}
			return def
		}
		var l web.Limits
		var origins []string
		if err := l.RegisterFlags(fs, env, &origins); err != nil {
			return l, origins, err
		}
		return l, origins, fs.Parse(args)
	}
	t.Run("without flags every limit has its default", func(t *testing.T) {
		l, origins, err := parse(nil, nil)
		if err != nil || !reflect.DeepEqual(l, web.DefaultLimits) || origins != nil {
			t.Fatalf("got %+v %v %v", l, origins, err)
		}
	})
	t.Run("the environment sets a limit and a flag overrides it", func(t *testing.T) {
		l, origins, err := parse([]string{"-rps-per-ip", "7", "-read-header-timeout", "3s", "-ws-conns-per-key", "-1", "-signups-per-hour-per-ip", "4", "-key-change-burst-per-owner", "5"},
			map[string]string{"ARENA_RPS_PER_IP": "5", "ARENA_MAX_FRAME_BYTES": "2048", "ARENA_ALLOWED_ORIGINS": "https://a.example, https://b.example",
				"ARENA_SIGNUP_BURST_PER_IP": "9"})
		if err != nil {
			t.Fatal(err)
		}
		if l.RequestsPerSecondPerIP != 7 || l.FrameBytes != 2048 || l.ReadHeaderTimeout != 3*time.Second || l.WSConnsPerKey != -1 ||
			l.SignupsPerHourPerIP != 4 || l.SignupBurstPerIP != 9 || l.KeyChangeBurstPerOwner != 5 {
			t.Fatalf("got %+v", l)
		}
		if len(origins) != 2 || origins[1] != "https://b.example" {
			t.Fatalf("origins %q", origins)
		}
	})
	t.Run("trusted proxies are addresses and prefixes; a flag overrides the environment", func(t *testing.T) {
		l, _, err := parse([]string{"-trusted-proxies", "10.1.2.3, 192.168.0.0/16,fd00::/8"}, map[string]string{"ARENA_TRUSTED_PROXIES": "172.16.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(l.TrustedProxies); got != "[10.1.2.3/32 192.168.0.0/16 fd00::/8]" {
			t.Fatalf("trusted proxies %s", got)
		}
		l, _, err = parse(nil, map[string]string{"ARENA_TRUSTED_PROXIES": "172.16.0.1"})
		if err != nil || fmt.Sprint(l.TrustedProxies) != "[172.16.0.1/32]" {
			t.Fatalf("trusted proxies %v, %v", l.TrustedProxies, err)
		}
	})
	t.Run("bad values are refused", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			env  map[string]string
		}{
			{[]string{"-frames-per-second", "many"}, nil},
			{[]string{"-idle-timeout", "0s"}, nil},
			{nil, map[string]string{"ARENA_TCP_CONNS_PER_IP": "lots"}},
			{[]string{"-allowed-origins", "not a url"}, nil},
			{[]string{"-trusted-proxies", "10.0.0.0/8,proxy.example"}, nil},
			{nil, map[string]string{"ARENA_TRUSTED_PROXIES": "10.0.0.300"}},
		} {
			if _, _, err := parse(c.args, c.env); err == nil {
				t.Errorf("%v %v accepted", c.args, c.env)
			}
		}
	})
}
