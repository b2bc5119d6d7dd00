package api

import "testing"

func TestValidNodeID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"n1", true},
		{"node-2.eu_west", true},
		{"A", true},
		{"a/b", false}, // joined, and DELETE /v1/cluster/nodes/a/b could never name it
		{"", false},
		{"-n1", false},
		{".hidden", false},
		{"n 1", false},
		{"nöde", false},
		{string(make([]byte, 65)), false},
	}
	for _, tt := range tests {
		if err := ValidNodeID(tt.id); (err == nil) != tt.ok {
			t.Errorf("ValidNodeID(%q) = %v, want ok %v", tt.id, err, tt.ok)
		}
	}
}
