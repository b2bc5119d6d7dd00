package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/client/clienttest"
)

// TestLedgerSettingsAgainstARealNode: an operator reads and changes the
// starting grant from the CLI (it took a hand-written PUT before), and
// owners registered afterwards receive it.
func TestLedgerSettingsAgainstARealNode(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(t)
	op := map[string]string{"ARENA_SERVER": srv.URL, "ARENA_OPERATOR_TOKEN": clienttest.OperatorToken}
	cli := func(env map[string]string, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(ctx, args, func(k string) string { return env[k] }, &out, &errb)
		return out.String(), errb.String(), code
	}
	if out, errs, code := cli(op, "ledger", "settings"); code != 0 || !strings.Contains(out, "STARTING GRANT  1000.00 ARC") || !strings.Contains(out, "CURRENCY        ARC") {
		t.Fatalf("ledger settings: exit %d\n%s%s", code, out, errs)
	}
	if out, errs, code := cli(op, "ledger", "settings", "--starting-grant", "2500"); code != 0 || !strings.Contains(out, "STARTING GRANT  25.00 ARC") {
		t.Fatalf("ledger settings --starting-grant 2500: exit %d\n%s%s", code, out, errs)
	}
	o, err := srv.Client(t, "").CreateOwner(ctx, client.CreateOwnerRequest{Name: "late"})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := srv.Client(t, o.APIKey).Balance(ctx, "me"); err != nil || b.Balance != 2500 {
		t.Fatalf("a new owner's balance: %+v, %v; want 2500", b, err)
	}
	if _, errs, code := cli(op, "ledger", "settings", "--starting-grant", "-1"); code != 1 || !strings.Contains(errs, "arenactl: invalid: starting_grant") {
		t.Errorf("a negative grant: exit %d, stderr %q", code, errs)
	}
	if _, errs, code := cli(map[string]string{"ARENA_SERVER": srv.URL, "ARENA_KEY": o.APIKey}, "ledger", "settings"); code != 2 || !strings.Contains(errs, "operator token") {
		t.Errorf("an owner: exit %d, stderr %q", code, errs)
	}
}
