package client

import (
	"context"
	"fmt"
	"iter"
)

// pages walks a cursor-paginated list. fetch returns one page's items and
// the cursor of the next page ("" on the last). Iteration stops after the
// first error, which is yielded with a zero item.
func pages[T any](ctx context.Context, cursor string, fetch func(ctx context.Context, cursor string) ([]T, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := map[string]bool{}
		for {
			items, next, err := fetch(ctx, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			// A server bug that hands back a cursor it already gave would
			// otherwise loop forever.
			if seen[next] || next == cursor {
				yield(zero, fmt.Errorf("client: server repeated list cursor %q", next))
				return
			}
			seen[next] = true
			cursor = next
		}
	}
}
