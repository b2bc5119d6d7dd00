package web

import (
	"bufio"
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/agents"
	"github.com/agentarena/arena/apperr"
	"github.com/agentarena/arena/arena"
)

// maxPreferencePage bounds one export page; trainers page with the cursor.
const maxPreferencePage = 10000

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// preferences serves GET /v1/preferences as JSONL, one pair per line, in
// cursor order. The X-Next-Cursor header is where the next page starts (the
// body is pairs only, in every format): a trainer that always resumes from
// it sees every pair exactly once.
func (s *Server) preferences(c *gin.Context) {
	f, format, err := parsePreferenceQuery(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if f.Arena != "" {
		// A misspelt arena would otherwise export nothing, which a
		// trainer cannot tell from an arena with no pairs yet.
		if _, err := s.cfg.Contests.Arena(f.Arena); err != nil && !(apperr.Is(err, apperr.NotFound) && s.hasPairsOf(f.Arena)) {
			s.writeError(c, err)
			return
		}
	}
	if err := s.checkCursor(c, f.Since); err != nil {
		s.writeError(c, err)
		return
	}
	list, next, err := s.cfg.Preferences.Preferences(f)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Content-Type", "application/x-ndjson")
	c.Header("X-Next-Cursor", strconv.FormatUint(next, 10))
	c.Header("X-Pair-Count", strconv.Itoa(len(list)))
	c.Status(http.StatusOK)
	w := bufio.NewWriter(c.Writer)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, p := range list {
		var line any
		switch format {
		case "trl":
			line = struct {
				Prompt   string `json:"prompt"`
				Chosen   string `json:"chosen"`
				Rejected string `json:"rejected"`
			}{p.Prompt, p.Chosen, p.Rejected}
		case "messages":
			line = struct {
				Prompt   []chatMessage `json:"prompt"`
				Chosen   []chatMessage `json:"chosen"`
				Rejected []chatMessage `json:"rejected"`
			}{[]chatMessage{{"user", p.Prompt}}, []chatMessage{{"assistant", p.Chosen}}, []chatMessage{{"assistant", p.Rejected}}}
		default:
			line = p
		}
		if err := enc.Encode(line); err != nil {
			return
		}
	}
	_ = w.Flush()
}

// hasPairsOf reports whether any pair of arena is recorded: a deleted
// arena's pairs stay in the export, and its name still selects them (a
// trainer's incremental export by arena would otherwise end in a 404 with
// the pairs still there). It scans until the first such pair, which for a
// name that never had one costs what any filter matching nothing does.
func (s *Server) hasPairsOf(arenaName string) bool {
	list, _, err := s.cfg.Preferences.Preferences(arena.PreferenceFilter{Arena: arenaName, MinMargin: math.Inf(-1), Limit: 1})
	return err == nil && len(list) > 0
}

// checkCursor refuses a cursor past every pair the cluster has recorded:
// one from another cluster (or a wiped and rebuilt one) or a typo. The
// export would answer no pairs and hand the same cursor back, so the
// trainer would look caught up forever. A cursor past only what this node
// has applied may come from a node further ahead: it is checked again
// after a linearizable read, which makes the node catch up first.
func (s *Server) checkCursor(c *gin.Context, since uint64) error {
	newest, err := s.cfg.Preferences.NewestPreferenceCursor()
	if err != nil || since <= newest {
		return err
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	if err := s.linearize(ctx); err != nil {
		return err
	}
	if newest, err = s.cfg.Preferences.NewestPreferenceCursor(); err != nil {
		return err
	}
	if since > newest {
		return apperr.New(apperr.Invalid, "since %d is past this cluster's newest preference pair (cursor %d): a cursor from another cluster, or a wiped and rebuilt one? Export from since=0 again", since, newest)
	}
	return nil
}

// preferenceParams are the query parameters GET /v1/preferences knows
// (consistency is every read's, handled by the forwarding middleware).
var preferenceParams = []string{"arena", "agent", "format", "since", "limit", "min_margin", "min_agreement",
	"chosen_passed", "exclude_flagged", "exclude_held_out", "consistency"}

func parsePreferenceQuery(c *gin.Context) (arena.PreferenceFilter, string, error) {
	// An unknown parameter is refused rather than ignored: a typo such as
	// min_marign would otherwise hand back the unfiltered export.
	for _, k := range slices.Sorted(maps.Keys(c.Request.URL.Query())) {
		if !slices.Contains(preferenceParams, k) {
			return arena.PreferenceFilter{}, "", apperr.New(apperr.Invalid, "unknown query parameter %q (known: %s)",
				truncate(k, 32), strings.Join(preferenceParams, ", "))
		}
	}
	f := arena.PreferenceFilter{Arena: c.Query("arena"), Agent: c.Query("agent"), Limit: 1000}
	format := c.DefaultQuery("format", "full")
	if format != "full" && format != "trl" && format != "messages" {
		return f, "", apperr.New(apperr.Invalid, "format must be full, trl or messages, got %q", truncate(format, 32))
	}
	if v := c.Query("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return f, "", apperr.New(apperr.Invalid, "since must be a cursor (a non-negative integer), got %q", truncate(v, 32))
		}
		f.Since = n
	}
	n, err := pageLimit(c, f.Limit, maxPreferencePage)
	if err != nil {
		return f, "", err
	}
	f.Limit = n
	if v := c.Query("min_margin"); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || !(x >= -1 && x <= 1) { // written so NaN fails too
			return f, "", apperr.New(apperr.Invalid, "min_margin must be a number from -1 to 1, got %q", truncate(v, 32))
		}
		f.MinMargin = x
	} else {
		f.MinMargin = -1
	}
	if v := c.Query("min_agreement"); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || !(x >= -1 && x <= 1) {
			return f, "", apperr.New(apperr.Invalid, "min_agreement must be a number from -1 to 1, got %q", truncate(v, 32))
		}
		f.MinAgreement = &x
	}
	if v := c.Query("chosen_passed"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, "", apperr.New(apperr.Invalid, "chosen_passed must be true or false, got %q", truncate(v, 32))
		}
		f.ChosenPassed = b
	}
	if v := c.Query("exclude_held_out"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, "", apperr.New(apperr.Invalid, "exclude_held_out must be true or false, got %q", truncate(v, 32))
		}
		f.ExcludeHeldOut = b
	}
	if v := c.Query("exclude_flagged"); v == "chosen" {
		f.ExcludeChosenFlagged = true
	} else if v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, "", apperr.New(apperr.Invalid, "exclude_flagged must be true, false or chosen, got %q", truncate(v, 32))
		}
		f.ExcludeFlagged = b
	}
	return f, format, nil
}

// requireReader admits trainer keys and the operator to preference data.
func (s *Server) requireReader(c *gin.Context) {
	p, ok := principal(c)
	switch {
	case !ok:
		s.writeError(c, apperr.New(apperr.Unauthorized, "preferences need a trainer key or the operator token"))
	case p.Kind != agents.PrincipalTrainer && p.Kind != principalOperator:
		s.writeError(c, apperr.New(apperr.Forbidden, "preferences need a trainer key or the operator token, not %s key", article(p.Kind)))
	default:
		c.Next()
	}
}

type createTrainerReq struct {
	Name string `json:"name"`
}

// createTrainer serves POST /v1/trainers (operator): a read-only key for
// preference exports, shown once.
func (s *Server) createTrainer(c *gin.Context) {
	var req createTrainerReq
	if err := s.readJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	id, err := agents.NewID("tr")
	if err != nil {
		s.writeError(c, err)
		return
	}
	key, err := agents.NewKey(agents.TrainerPrefix)
	if err != nil {
		s.writeError(c, err)
		return
	}
	ctx, cancel := s.writeCtx(c)
	defer cancel()
	t, err := s.cfg.Accounts.CreateTrainer(ctx, agents.Trainer{ID: id, Name: req.Name}, agents.HashKey(key))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"trainer": t, "trainer_key": key})
}
