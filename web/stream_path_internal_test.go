package web

import "testing"

func TestIsStreamPath(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/v1/contests/c_1/stream", true},
		{"/v1/arenas/connect4/live", true},
		{"/v1/agents/connect", true},
		{"/v1/arenas/connect4/live/", true},
		// Arenas named like a stream are pages and resources, not streams.
		{"/v1/arenas/stream", false},
		{"/v1/arenas/live", false},
		{"/arenas/stream", false},
		{"/arenas/live", false},
		{"/v1/arenas/live/leaderboard", false},
		{"/v1/contests/stream", false},
		{"/", false},
	}
	for _, tt := range tests {
		if got := isStreamPath(tt.path); got != tt.want {
			t.Errorf("isStreamPath(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}
