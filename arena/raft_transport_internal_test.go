package arena

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// A transport peers could not dial is refused naming the address as
// given: the listener's own form of 0.0.0.0 is "[::]", which the error
// used to name.
func TestTransportRefusesAnUndialableAddressByItsGivenName(t *testing.T) {
	tests := []struct {
		name            string
		bind, advertise string
		want            string
	}{
		{"every interface, nothing advertised", "0.0.0.0:0", "", "raft address 0.0.0.0:0 listens on every interface"},
		{"an advertised address on every interface", "127.0.0.1:0", "0.0.0.0:7000", "raft advertise address 0.0.0.0:7000 cannot be dialled"},
		{"an advertised port 0", "127.0.0.1:0", "127.0.0.1:0", "raft advertise address 127.0.0.1:0 cannot be dialled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := newTCPTransport(Config{RaftBind: tt.bind, RaftAdvertise: tt.advertise}, hclog.NewNullLogger(), nil, nil)
			if err == nil {
				tr.(*tcpTransport).cut()
				t.Fatal("the transport was built")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "[::]") {
				t.Errorf("error %q, want it to say %q and not name [::]", err, tt.want)
			}
		})
	}
}
