package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/agentarena/arena/api"
)

// contestStreamFrame is a frame of /v1/contests/{id}/stream (docs/PROTOCOL.md
// "Spectator streams"): a "state" frame carries the whole contest and the
// seq of the last event it includes; an "event" frame carries one event,
// whose at is the leader's clock when it proposed the command that made it.
type contestStreamFrame struct {
	Type    string `json:"type"`
	Seq     uint64 `json:"seq"`
	Contest struct {
		Status string `json:"status"`
	} `json:"contest"`
	Event api.ContestEvent `json:"event"`
}

// frameSeen is what one contest stream frame told a spectator.
type frameSeen struct {
	// Event is true for an event frame; Timed when it carried its at,
	// and Delay is then now minus that at.
	Event bool
	Timed bool
	Delay time.Duration
	// Missed counts the events skipped between the previous frame and this
	// one: the stream promises consecutive seq numbers.
	Missed uint64
	// Dup is an event at or below the last seq already seen.
	Dup bool
	// Ended: the contest is over (settled or aborted), so the spectator
	// closes the stream, as the protocol asks.
	Ended bool
}

// streamTracker follows one contest stream's sequence numbers across
// frames and reconnections; the zero value has seen nothing.
type streamTracker struct {
	last uint64 // seq of the last event delivered (state frames included)
	seen bool
}

// observe parses one frame received at now. Frames of unknown types are
// ignored (a zero frameSeen), so the protocol may grow.
func (t *streamTracker) observe(b []byte, now time.Time) (frameSeen, error) {
	var f contestStreamFrame
	if err := json.Unmarshal(b, &f); err != nil {
		return frameSeen{}, fmt.Errorf("contest stream frame: %w", err)
	}
	switch f.Type {
	case "state":
		// A state frame resyncs: it includes every event up to its seq.
		t.last, t.seen = f.Seq, true
		return frameSeen{Ended: f.Contest.Status == api.StatusSettled || f.Contest.Status == api.StatusAborted}, nil
	case "event":
		s := frameSeen{Event: true, Ended: f.Event.Type == api.EvSettled || f.Event.Type == api.EvAborted}
		if !f.Event.At.IsZero() {
			s.Timed, s.Delay = true, now.Sub(f.Event.At)
		}
		switch {
		case t.seen && f.Event.Seq <= t.last:
			s.Dup = true
			return s, nil
		case t.seen && f.Event.Seq > t.last+1:
			s.Missed = f.Event.Seq - t.last - 1
		}
		t.last, t.seen = f.Event.Seq, true
		return s, nil
	}
	return frameSeen{}, nil
}

// resumeQuery is the query a reconnecting spectator sends: ?since=N
// after the last event it processed, nothing before its first frame.
func (t *streamTracker) resumeQuery() string {
	if !t.seen {
		return ""
	}
	return fmt.Sprintf("?since=%d", t.last)
}

// liveContestFrame is what a contest spectator's discovery reads from
// /v1/arenas/{name}/live: the snapshot's running contests, then contests
// created and ended.
type liveContestFrame struct {
	Type string `json:"type"`
	Live []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"live"`
	// Data is the event; its own data (the whole contest) is skipped.
	Data struct {
		Contest string `json:"contest"`
		Type    string `json:"type"`
	} `json:"data"`
}

// liveChange is one frame of the live feed read as changes to the set of
// running contests: Reset replaces the set with Running (a snapshot);
// otherwise Started or Ended names one contest (or neither: a frame about
// something else).
type liveChange struct {
	Reset   bool
	Running []string
	Started string
	Ended   string
}

func parseLiveChange(b []byte) (liveChange, error) {
	var f liveContestFrame
	if err := json.Unmarshal(b, &f); err != nil {
		return liveChange{}, fmt.Errorf("live frame: %w", err)
	}
	switch f.Type {
	case "snapshot":
		c := liveChange{Reset: true, Running: []string{}}
		for _, x := range f.Live {
			if x.Status == api.StatusRunning || x.Status == api.StatusJudging {
				c.Running = append(c.Running, x.ID)
			}
		}
		return c, nil
	case "contest":
		switch f.Data.Type {
		case api.EvCreated:
			return liveChange{Started: f.Data.Contest}, nil
		case api.EvSettled, api.EvAborted:
			return liveChange{Ended: f.Data.Contest}, nil
		}
	}
	return liveChange{}, nil
}
