package chaos

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

func grantOp(client int, owner string, amount, call, ret int64) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Input: balanceOp{Owner: owner, Amount: amount}, Call: call, Return: ret}
}

func readOp(client int, owner string, saw, call, ret int64) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Input: balanceOp{Owner: owner}, Output: balanceOut{Balance: saw}, Call: call, Return: ret}
}

func TestBalanceModel(t *testing.T) {
	tests := []struct {
		name string
		ops  []porcupine.Operation
		want porcupine.CheckResult
	}{
		{"sequential grants and reads", []porcupine.Operation{
			grantOp(0, "a", 5, 0, 10), readOp(1, "a", 5, 11, 20), grantOp(0, "a", 3, 21, 30), readOp(1, "a", 8, 31, 40),
		}, porcupine.Ok},
		{"a read concurrent with a grant may see it or not", []porcupine.Operation{
			grantOp(0, "a", 5, 0, 100), readOp(1, "a", 0, 10, 20), readOp(2, "a", 5, 30, 40), readOp(1, "a", 5, 101, 110),
		}, porcupine.Ok},
		{"owners are independent", []porcupine.Operation{
			grantOp(0, "a", 5, 0, 10), grantOp(1, "b", 7, 0, 10), readOp(2, "b", 7, 20, 30), readOp(2, "a", 5, 40, 50),
		}, porcupine.Ok},
		{"a pending grant seen by a read", []porcupine.Operation{
			grantOp(0, "a", 5, 0, 1000), readOp(1, "a", 5, 20, 30), readOp(1, "a", 5, 40, 50),
		}, porcupine.Ok},
		{"stale read after an acknowledged grant", []porcupine.Operation{
			grantOp(0, "a", 5, 0, 10), readOp(1, "a", 0, 20, 30),
		}, porcupine.Illegal},
		{"a read goes back in time", []porcupine.Operation{
			grantOp(0, "a", 5, 0, 100), readOp(1, "a", 5, 10, 20), readOp(2, "a", 0, 30, 40),
		}, porcupine.Illegal},
		{"a balance no sequence of grants makes", []porcupine.Operation{
			grantOp(0, "a", 5, 0, 10), grantOp(0, "a", 3, 20, 30), readOp(1, "a", 3, 40, 50),
		}, porcupine.Illegal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := checkLinearizable(tc.ops, 10*time.Second, "")
			if err != nil {
				t.Fatal(err)
			}
			if got.Result != tc.want {
				t.Fatalf("got %s, want %s", got.Result, tc.want)
			}
		})
	}
}

func TestHistoryPendingGrantCompletesLast(t *testing.T) {
	h := newHistory()
	h.done(0, balanceOp{Owner: "a", Amount: 5}, balanceOut{}, 0, 10, false)
	h.pending(0, balanceOp{Owner: "a", Amount: 7}, 20)
	h.done(1, balanceOp{Owner: "a"}, balanceOut{Balance: 5}, 30, 40, false)
	h.done(1, balanceOp{Owner: "a"}, balanceOut{Balance: 12}, 50, 60, false)
	viz := filepath.Join(t.TempDir(), "history.html")
	got, err := checkLinearizable(h.operations(), 10*time.Second, viz)
	if err != nil {
		t.Fatal(err)
	}
	if got.Result != porcupine.Ok || got.Ops != 4 {
		t.Fatalf("got %+v, want Ok over 4 operations", got)
	}
	if fi, err := os.Stat(viz); err != nil || fi.Size() == 0 {
		t.Fatalf("no visualization written: %v", err)
	}
}

func TestHistoryWriteGap(t *testing.T) {
	h := newHistory()
	for _, at := range []int64{10, 20, 70, 80} {
		h.done(0, balanceOp{Owner: "a", Amount: 1}, balanceOut{}, at-1, at, false)
	}
	h.done(1, balanceOp{Owner: "a"}, balanceOut{Balance: 1}, 30, 60, false) // reads do not count
	h.done(2, balanceOp{Owner: "b", Amount: 1}, balanceOut{}, 1, 5, true)
	tests := []struct {
		from, to, want time.Duration
	}{
		{0, 100, 50},
		{25, 75, 45},
		{75, 200, 120},
		{30, 40, 10},
	}
	if got := h.writeGap(0, 100, true); got != 95 {
		t.Errorf("probe writeGap(0, 100) = %d, want 95", got)
	}
	for _, tc := range tests {
		if got := h.writeGap(tc.from, tc.to, false); got != tc.want {
			t.Errorf("writeGap(%d, %d) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}
