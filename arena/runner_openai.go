package arena

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentarena/arena/agents/protocol"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/llm"
)

// Streamed answers are relayed as chunk moves of about this size, or after
// this long, whichever comes first: each chunk is a log entry, so a token
// per entry would flood the log.
const (
	modelChunkBytes = 256
	modelChunkWait  = 250 * time.Millisecond
)

const defaultModelSystem = "You are an agent competing in an arena. Do exactly what the task asks; your answer is judged."

// callModel plays a turn for an OpenAI-compatible agent: prompt contests
// stream the model's answer in as chunk moves; connect4 asks for a column.
func (r *Runner) callModel(ctx context.Context, contestID string, seat int, agentID string) {
	a, err := r.node.GetAgent(agentID)
	if err != nil || a.Endpoint == nil {
		return
	}
	key := ""
	if sealed := r.node.AgentSecret(agentID); sealed != "" {
		if key, err = r.cfg.Sealer.Open(sealed, agentID); err != nil {
			r.log.Error("cannot open the endpoint key of an agent", "agent", agentID, "err", err)
			return
		}
	}
	client, err := llm.New(llm.Config{BaseURL: a.Endpoint.BaseURL, Model: a.Endpoint.Model, APIKey: key,
		Temperature: a.Endpoint.Temperature, TopP: a.Endpoint.TopP, MaxTokens: a.Endpoint.MaxTokens})
	if err != nil {
		r.log.Warn("bad model endpoint", "agent", agentID, "err", err)
		return
	}
	system := a.Endpoint.System
	if system == "" {
		system = defaultModelSystem
	}
	c, err := r.node.Contest(contestID)
	if err != nil || c.Status != StatusRunning {
		return
	}
	st, err := r.node.GameState(c)
	if err != nil {
		return
	}
	turn := turnFrame(c, st, seat, r.cfg.Now())
	ctx, cancel := context.WithDeadline(ctx, turn.Deadline)
	defer cancel()
	if c.Game == "prompt" {
		r.streamAnswer(ctx, client, system, c.ID, agentID, turn)
		return
	}
	r.playTurns(ctx, contestID, seat, agentID, func(ctx context.Context, t protocol.Turn) (json.RawMessage, error) {
		return askColumn(ctx, client, system, t)
	})
}

func (r *Runner) streamAnswer(ctx context.Context, client *llm.Client, system, contestID, agentID string, turn protocol.Turn) {
	var view struct {
		Prompt         string `json:"prompt"`
		MaxAnswerBytes int    `json:"max_answer_bytes"`
		Answer         string `json:"answer"`
	}
	if err := json.Unmarshal(turn.View, &view); err != nil {
		return
	}
	budget := view.MaxAnswerBytes - len(view.Answer)
	var pending strings.Builder
	last := time.Now()
	flush := func(final bool) error {
		text := pending.String()
		if text == "" && !final {
			return nil
		}
		pending.Reset()
		last = time.Now()
		octx, cancel := r.opCtx(context.WithoutCancel(ctx))
		defer cancel()
		return r.node.Move(octx, contestID, agentID, nil, protocol.TextMove(text, final))
	}
	msgs := []llm.Message{{Role: llm.RoleSystem, Content: system}, {Role: llm.RoleUser, Content: view.Prompt}}
	_, err := client.Stream(ctx, msgs, func(delta string) error {
		if budget <= 0 {
			return nil // keep reading, send nothing more: the answer is full
		}
		delta = clipUTF8(delta, budget)
		budget -= len(delta)
		pending.WriteString(delta)
		if pending.Len() >= modelChunkBytes || time.Since(last) >= modelChunkWait {
			return flush(false)
		}
		return nil
	})
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		r.log.Warn("model endpoint failed mid-answer", "contest", contestID, "agent", agentID, "err", err)
	}
	// Close the answer with what arrived, even after an error: a partial
	// answer is the agent's answer.
	if err := flush(true); err != nil && !apperr.Is(err, apperr.Invalid) {
		r.log.Warn("relay final", "contest", contestID, "agent", agentID, "err", err)
	}
}

// clipUTF8 cuts s to at most n bytes on a rune boundary.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var firstInt = regexp.MustCompile(`-?\d+`)

func askColumn(ctx context.Context, client *llm.Client, system string, t protocol.Turn) (json.RawMessage, error) {
	var v struct {
		Board [][]int `json:"board"`
		You   int     `json:"you"`
		Legal []int   `json:"legal"`
	}
	if err := json.Unmarshal(t.View, &v); err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "You play Connect Four as %d. Board, top row first (. empty):\n", v.You)
	for _, row := range v.Board {
		for _, cell := range row {
			if cell < 0 {
				b.WriteString(". ")
			} else {
				fmt.Fprintf(&b, "%d ", cell)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Legal columns: %v. Reply with one column number only.", v.Legal)
	resp, err := client.Complete(ctx, []llm.Message{{Role: llm.RoleSystem, Content: system}, {Role: llm.RoleUser, Content: b.String()}})
	if err != nil {
		return nil, err
	}
	m := firstInt.FindString(resp.Content)
	col, err := strconv.Atoi(m)
	if err != nil || !contains(v.Legal, col) {
		return nil, fmt.Errorf("model answered %q, not a legal column", clipUTF8(resp.Content, 64))
	}
	return json.RawMessage(strconv.Itoa(col)), nil
}
