package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/agentarena/arena/api"
)

func TestContestFrameAt(t *testing.T) {
	at := time.Date(2026, 12, 5, 9, 30, 1, 123456789, time.UTC)
	later := at.Add(time.Hour)
	frame := func(typ string, data any) []byte {
		b, err := json.Marshal(struct {
			Type string `json:"type"`
			Data any    `json:"data"`
		}{typ, data})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	settled := api.ContestEvent{Contest: "ct_1", Seq: 9, Type: "settled", At: at,
		Data: map[string]any{"id": "ct_1", "at": later, "created_at": later}}
	for _, tt := range []struct {
		name   string
		frame  []byte
		want   time.Time
		wantOK bool
	}{
		{"contest event as the server encodes it", frame("contest", settled), at, true},
		{"move event", frame("contest", api.ContestEvent{Contest: "ct_2", Seq: 3, Type: "move", At: at, Move: json.RawMessage(`{"col":3}`)}), at, true},
		{"fields in another order", []byte(`{"data":{"data":{"at":"` + later.Format(time.RFC3339Nano) + `"},"at":"` + at.Format(time.RFC3339Nano) + `"},"type":"contest"}`), at, true},
		{"nested value before at", []byte(`{"type":"contest","data":{"data":{"at":"` + later.Format(time.RFC3339Nano) + `"},"at":"` + at.Format(time.RFC3339Nano) + `"}}`), at, true},
		{"leaderboard frame", frame("leaderboard", map[string]any{"at": at}), time.Time{}, false},
		{"contest frame without at", []byte(`{"type":"contest","data":{"contest":"ct_3"}}`), time.Time{}, false},
		{"bad time", []byte(`{"type":"contest","data":{"at":"yesterday"}}`), time.Time{}, false},
		{"not JSON", []byte(`{"type":"contest","data":{`), time.Time{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := contestFrameAt(tt.frame)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("contestFrameAt(%s) = %v, %v; want %v, %v", tt.frame, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// BenchmarkContestFrameAt compares reading a settled event's time off the
// frame with decoding the frame.
func BenchmarkContestFrameAt(b *testing.B) {
	seats := []any{map[string]any{"agent_id": "ag_1", "name": "alpha"}, map[string]any{"agent_id": "ag_2", "name": "beta"}}
	ev := api.ContestEvent{Contest: "ct_1", Seq: 9, Type: "settled", At: time.Now().UTC(),
		Data: map[string]any{"id": "ct_1", "arena": "connect4", "seats": seats, "payouts": []any{100, 0}, "rating_deltas": []any{8.5, -8.5}}}
	frame, err := json.Marshal(struct {
		Type string `json:"type"`
		Data any    `json:"data"`
	}{"contest", ev})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			if _, ok := contestFrameAt(frame); !ok {
				b.Fatal("not a contest frame")
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			var f liveFrame
			if err := json.Unmarshal(frame, &f); err != nil || f.Data.At.IsZero() {
				b.Fatal(err)
			}
		}
	})
}
