package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
)

// Browsers attach a user's cookies and credentials to requests that any
// page starts, so two checks keep other sites from acting through a
// visitor's browser:
//
//   - state-changing requests (POST, PUT, PATCH, DELETE) go through Go's
//     http.CrossOriginProtection: a browser request whose Sec-Fetch-Site
//     or Origin says it came from another origin is refused with 403.
//     API clients (curl, Go, Python agents) send neither header and pass.
//   - websocket upgrades (always GET, so the first check does not apply)
//     must come from this node's own origin, an allowed origin, or a
//     client that sends no Origin at all.
//
// Config.AllowedOrigins ("https://arena.example.com") admits a front-end
// served from elsewhere for both.

// originPolicy holds the allowed origins, normalised to scheme://host.
type originPolicy struct {
	allowed map[string]bool
	cop     *http.CrossOriginProtection
}

func newOriginPolicy(origins []string) (*originPolicy, error) {
	p := &originPolicy{allowed: map[string]bool{}, cop: http.NewCrossOriginProtection()}
	for _, o := range origins {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		if err := p.cop.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
		p.allowed[strings.ToLower(o)] = true
	}
	return p, nil
}

// crossOrigin refuses cross-origin state-changing browser requests.
func (s *Server) crossOrigin(c *gin.Context) {
	if err := s.origins.cop.Check(c.Request); err != nil {
		s.writeError(c, apperr.New(apperr.Forbidden, "cross-origin request refused: this route changes state and the request came from another site's page"))
		return
	}
	c.Next()
}

// checkOrigin is the websocket upgrader's origin check.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser: agents and CLIs send no Origin
	}
	if s.origins.allowed[strings.ToLower(strings.TrimRight(origin, "/"))] {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// ValidateOrigins checks AllowedOrigins entries (scheme://host[:port]), so
// a command can refuse a bad flag before building the server.
func ValidateOrigins(origins []string) error {
	_, err := newOriginPolicy(origins)
	return err
}
