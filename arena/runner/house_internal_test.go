package runner

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/agentarena/arena/agents/bots"
	"github.com/agentarena/arena/arena"
)

// TestTheHouseWalletIsToppedUpToItsFloor: every contest a built-in bot
// loses to another owner's agent drains the bots' wallet, and below an
// arena's stake the bots stopped being seated there for good. The leader
// now grants the wallet back up to its floor, at most once a minute.
func TestTheHouseWalletIsToppedUpToItsFloor(t *testing.T) {
	n := soloLeader(t)
	ctx := context.Background()
	must := mustOK(t)
	bot, ok := bots.Lookup("c4-random", 1)
	if !ok {
		t.Fatal("no bot c4-random")
	}
	must(n.Seed(ctx, arena.DefaultArenas(), []arena.BotSpec{{Name: bot.Name(), Description: bot.Description(), Arena: bot.Game()}}))

	var mu sync.Mutex
	now := time.Unix(1_800_000_000/60*60, 0) // the start of a minute
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	const floor = 5_000
	r := New(Config{Node: n, Bots: []Bot{bot}, HouseFloor: floor, Now: clock})
	r.startLeading(ctx)
	t.Cleanup(func() { r.stopLeading(); r.wg.Wait() })

	balance := func() int64 {
		t.Helper()
		a, err := n.Balance(arena.HouseOwnerID)
		must(err)
		return a.Balance
	}
	drains := 0
	drainTo := func(left int64) {
		t.Helper()
		drains++
		if b := balance(); b > left {
			_, err := n.Grant(ctx, "drain-"+string(rune('a'+drains)), arena.HouseOwnerID, left-b, "adjust", "lost to agents")
			must(err)
		}
	}
	// fundHouse grants in the background; wait for it to finish.
	check := func() int64 {
		t.Helper()
		r.fundHouse(clock())
		r.wg.Wait()
		return balance()
	}

	drainTo(100)
	if b := check(); b != floor {
		t.Fatalf("after falling to 100 the house holds %d, want the floor %d", b, floor)
	}
	advance(5 * time.Second)
	drainTo(100)
	if b := check(); b != 100 {
		t.Fatalf("checked again 5 s later: %d, want 100 (the balance is read every %v)", b, houseCheckEvery)
	}
	advance(houseCheckEvery)
	if b := check(); b != 100 {
		t.Fatalf("a second fall within the same minute: %d, want 100 (one top-up a minute)", b)
	}
	advance(time.Minute)
	if b := check(); b != floor {
		t.Fatalf("the next minute: %d, want %d", b, floor)
	}
	advance(time.Minute)
	if b := check(); b != floor {
		t.Fatalf("at the floor: %d, want it left alone", b)
	}

	off := New(Config{Node: n, Bots: []Bot{bot}, Now: clock})
	off.startLeading(ctx)
	t.Cleanup(func() { off.stopLeading(); off.wg.Wait() })
	drainTo(100)
	advance(time.Hour)
	off.fundHouse(clock())
	off.wg.Wait()
	if b := balance(); b != 100 {
		t.Fatalf("with no floor configured: %d, want 100", b)
	}
}
