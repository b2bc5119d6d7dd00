package connect4

import (
	"reflect"
	"testing"
)

func TestLines(t *testing.T) {
	t.Run("one drop can complete a row and a column at once", func(t *testing.T) {
		b := NewBoard()
		for _, c := range [][2]int{{5, 3}, {4, 3}, {3, 3}, {2, 0}, {2, 1}, {2, 2}, {2, 3}} {
			b[c[0]][c[1]] = 0
		}
		want := [][2]int{{2, 0}, {2, 1}, {2, 2}, {2, 3}, {3, 3}, {4, 3}, {5, 3}}
		if got := b.Lines(2, 3); !reflect.DeepEqual(got, want) {
			t.Errorf("lines %v, want %v", got, want)
		}
	})
	t.Run("a run of five is returned whole", func(t *testing.T) {
		b := NewBoard()
		for c := 1; c <= 5; c++ {
			b[5][c] = 1
		}
		if got := b.Lines(5, 3); len(got) != 5 {
			t.Errorf("lines %v", got)
		}
	})
	t.Run("three in a row is not a line", func(t *testing.T) {
		b := NewBoard()
		for c := range 3 {
			b[5][c] = 0
		}
		if got := b.Lines(5, 0); got != nil {
			t.Errorf("lines %v", got)
		}
	})
	t.Run("an empty or outside cell has no line", func(t *testing.T) {
		b := NewBoard()
		if b.Lines(0, 0) != nil || b.Lines(-1, 0) != nil || b.Lines(0, Cols) != nil {
			t.Error("line found")
		}
	})
}

func TestDrop(t *testing.T) {
	b := NewBoard()
	for want := Rows - 1; want >= 0; want-- {
		if got := b.Drop(6, 1); got != want {
			t.Fatalf("drop landed in row %d, want %d", got, want)
		}
	}
	if b.Drop(6, 0) != -1 || b.Playable(6) || b.Drop(-1, 0) != -1 || b.Drop(Cols, 0) != -1 {
		t.Error("drop into a full or missing column succeeded")
	}
	if b.Full() {
		t.Error("board with one full column reported full")
	}
}
