package web_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine a server, a hub or a websocket session starts must stop
// when its owner closes.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
