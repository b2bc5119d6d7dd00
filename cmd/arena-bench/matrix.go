package main

import (
	"fmt"
	"strconv"
	"strings"
)

// Cell is one point of the benchmark matrix.
type Cell struct {
	Nodes     int  `json:"nodes"`
	Proposers int  `json:"proposers"`
	Batching  bool `json:"batching"`
}

func (c Cell) String() string {
	return fmt.Sprintf("nodes=%d proposers=%d batching=%s", c.Nodes, c.Proposers, onOff(c.Batching))
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// parseMatrix expands the three list flags into cells, in the order given,
// nodes outermost so each cluster size's rows sit together in the table.
func parseMatrix(nodes, proposers, batching string) ([]Cell, error) {
	ns, err := parsePositiveInts("nodes", nodes)
	if err != nil {
		return nil, err
	}
	ps, err := parsePositiveInts("proposers", proposers)
	if err != nil {
		return nil, err
	}
	bs, err := parseBatching(batching)
	if err != nil {
		return nil, err
	}
	var cells []Cell
	for _, n := range ns {
		for _, p := range ps {
			for _, b := range bs {
				cells = append(cells, Cell{Nodes: n, Proposers: p, Batching: b})
			}
		}
	}
	return cells, nil
}

func parsePositiveInts(name, s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("-%s: %q is not a positive integer", name, f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-%s: empty list", name)
	}
	return out, nil
}

func parseBatching(s string) ([]bool, error) {
	var out []bool
	for _, f := range splitList(s) {
		switch strings.ToLower(f) {
		case "on", "true", "1":
			out = append(out, true)
		case "off", "false", "0":
			out = append(out, false)
		case "both":
			out = append(out, true, false)
		default:
			return nil, fmt.Errorf("-batching: %q is not on, off or both", f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-batching: empty list")
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
