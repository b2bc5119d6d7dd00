package clienttest

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/agentarena/arena/arena/runner"
	"github.com/agentarena/arena/web"
)

// ServeWithRunner serves web.New(cfg) on loopback with the contest runner
// r beside it (it becomes cfg.Runner), both running until the test ends,
// for tests that want contests played (bots, judges, settlement) rather
// than the quiet node NewServer gives. It returns the API's base URL.
func ServeWithRunner(t testing.TB, r *runner.Runner, cfg web.Config) string {
	t.Helper()
	cfg.Runner = r
	s := web.New(cfg)
	srv := httptest.NewServer(s.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { r.Run(ctx); done <- struct{}{} }()
	go func() { s.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv.URL
}
