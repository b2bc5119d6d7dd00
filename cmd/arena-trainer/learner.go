package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/gpu"
	"github.com/agentarena/arena/gpu/gpt"
	"github.com/agentarena/arena/internal/textcut"
)

// entry is a version's agent in the arena.
type entry struct{ name, id, key string }

// enterVersion registers one trained version as the websocket agent
// learner@v<steps> (or learner@v<steps>-2, … where another run's weights
// hold that name: see enter), before it is evaluated, so that
// versions.jsonl names the agent whose games the arena rates.
func enterVersion(ctx context.Context, o onlineOptions, cfg gpt.Config, tok gpu.Tokenizer, steps int, weights string, log io.Writer) (entry, error) {
	owner, err := client.New(o.Server, client.WithKey(o.OwnerKey))
	if err != nil {
		return entry{}, err
	}
	name := fmt.Sprintf("learner@v%d", steps)
	entered, id, key, err := enter(ctx, owner, name, fmt.Sprintf("GPT-2-shaped policy (%d layers, width %d, %s tokens) trained by arena-trainer: SFT then DPO on arena preferences%s%s",
		cfg.NLayer, cfg.NEmbd, tok.Name(), weightsMark, weights))
	if err != nil {
		return entry{}, fmt.Errorf("register %s: %w", name, err)
	}
	fmt.Fprintf(log, "entered %s as %s\n", entered, id)
	return entry{name: entered, id: id, key: key}, nil
}

// play answers the entered version's turns (prompt or verifiable: both
// views carry the text as "prompt") by sampling from it, until ctx ends
// (the next round's version takes over).
func play(ctx context.Context, o onlineOptions, e entry, policy gpu.Sampler, tok gpu.Tokenizer, steps int, log io.Writer) error {
	name, agentKey := e.name, e.key
	rng := rand.New(rand.NewPCG(o.Model.Seed, uint64(steps)))
	for backoff := time.Second; ctx.Err() == nil; backoff = min(2*backoff, 30*time.Second) {
		err := session(ctx, o.Server, agentKey, o.Arena, func(prompt string, limit int) string {
			text, err := gpu.AnswerWith(policy, tok, learnerPrompt(prompt), gpt.SampleOptions{Temperature: o.Temp, TopP: 0.95,
				MaxTokens: min(o.MaxTokens, limit), Seed: rng.Uint64()})
			if err != nil {
				fmt.Fprintf(log, "%s: sampling: %v\n", name, err)
			}
			return text
		})
		if ctx.Err() != nil {
			return nil
		}
		fmt.Fprintf(log, "%s: connection ended (%v); reconnecting in %v\n", name, err, backoff)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
	}
	return nil
}

// enter creates the version's agent, or, when a run that resumed from a
// checkpoint finds it already there, takes it back with a fresh key: the
// version's key was shown only to the run that created it, and its rating
// history belongs to the same weights. The description names the weights
// (weightsMark and their hash), so another run's version of the same step
// (a new -out of the same owner) is not taken over, which rated two
// models' games as one: it enters as name-2, name-3, … instead. An agent
// entered before descriptions named the weights is taken back by name.
// It returns the name entered under.
func enter(ctx context.Context, owner *client.Client, name, description string) (entered, id, key string, err error) {
	created, err := owner.CreateAgent(ctx, client.CreateAgentRequest{Name: name, Kind: client.KindWebSocket, Description: description})
	if err == nil {
		return name, created.Agent.ID, created.AgentKey, nil
	}
	if !client.IsCode(err, "conflict") {
		return "", "", "", err
	}
	taken := map[string]client.Agent{}
	for a, lerr := range owner.AllAgents(ctx, client.ListAgentsOptions{Owner: "me"}) {
		if lerr != nil {
			return "", "", "", lerr
		}
		if a.Name == name || strings.HasPrefix(a.Name, name+"-") {
			taken[a.Name] = a
		}
	}
	for _, n := range slices.Sorted(maps.Keys(taken)) {
		a := taken[n]
		if a.Description == description || (n == name && !strings.Contains(a.Description, weightsMark)) {
			if a.Description != description {
				// Entered before descriptions named the weights: it names
				// them from now on, so another run's version is not given it.
				if _, err := owner.UpdateAgent(ctx, a.ID, client.UpdateAgentRequest{Description: &description}); err != nil {
					return "", "", "", err
				}
			}
			key, err := owner.RotateAgentKey(ctx, a.ID)
			return n, a.ID, key, err
		}
	}
	for k := 2; ; k++ {
		n := fmt.Sprintf("%s-%d", name, k)
		if _, ok := taken[n]; ok {
			continue
		}
		created, err := owner.CreateAgent(ctx, client.CreateAgentRequest{Name: n, Kind: client.KindWebSocket, Description: description})
		if err != nil {
			return "", "", "", err
		}
		return n, created.Agent.ID, created.AgentKey, nil
	}
}

// weightsMark precedes the hash of a version's weights in its agent's
// description.
const weightsMark = "; weights sha256:"

// weightsHash names a policy's weights: the first 12 hex digits of the
// SHA-256 of its parameters as little-endian float32.
func weightsHash(m *gpt.Model) string {
	h := sha256.New()
	buf := make([]byte, 4*4096)
	for i := 0; i < len(m.Params); i += 4096 {
		chunk := m.Params[i:min(i+4096, len(m.Params))]
		for j, x := range chunk {
			binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(x))
		}
		h.Write(buf[:4*len(chunk)])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

type frame struct {
	Type    string `json:"type"`
	Contest string `json:"contest"`
	View    struct {
		Prompt         string `json:"prompt"`
		MaxAnswerBytes int    `json:"max_answer_bytes"`
	} `json:"view"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// session is one websocket connection; it follows a follower's 421 to the
// leader once.
func session(ctx context.Context, server, key, arena string, answer func(prompt string, limit int) string) error {
	h := http.Header{"Authorization": {"Bearer " + key}}
	url := strings.Replace(server, "http", "ws", 1) + "/v1/agents/connect"
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, url, h)
	if err != nil && resp != nil && resp.StatusCode == http.StatusMisdirectedRequest && resp.Header.Get("X-Arena-Leader") != "" {
		url = strings.Replace(resp.Header.Get("X-Arena-Leader"), "http", "ws", 1) + "/v1/agents/connect"
		conn, _, err = websocket.DefaultDialer.DialContext(ctx, url, h)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	queue := func() error { return conn.WriteJSON(map[string]string{"type": "queue", "arena": arena}) }
	if err := queue(); err != nil {
		return err
	}
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		switch f.Type {
		case "turn":
			text := answer(f.View.Prompt, f.View.MaxAnswerBytes)
			text = textcut.Cut(text, f.View.MaxAnswerBytes)
			if strings.TrimSpace(text) == "" {
				text = "."
			}
			if err := conn.WriteJSON(map[string]string{"type": "final", "contest": f.Contest, "text": text}); err != nil {
				return err
			}
		case "contest_end":
			if err := queue(); err != nil {
				return err
			}
		}
	}
}
