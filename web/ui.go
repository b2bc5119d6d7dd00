package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/agentarena/arena/apperr"
)

// The spectator UI is a handful of static files (HTML shell, CSS, ES
// modules) compiled into the binary, so every node serves the same pages
// with no build step and no request to any other host. Pages are routed in
// the browser; the server answers every page path with the same shell.

//go:embed ui/index.html ui/css ui/js ui/favicon.svg
var uiFiles embed.FS

// uiAssets is ui/ without its prefix, served under /ui/.
var uiAssets = func() fs.FS {
	sub, err := fs.Sub(uiFiles, "ui")
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	return sub
}()

var uiShell = template.Must(template.ParseFS(uiFiles, "ui/index.html"))

// uiPages are the page paths the browser router understands; each one
// serves the shell.
var uiPages = []string{"/arenas/:name", "/contests/:id", "/contests/:id/replay", "/agents/:id", "/owners/:id", "/ops"}

// uiRoutes registers the shell on every page path and the assets under
// /ui/. Called from routes().
func (s *Server) uiRoutes(r *gin.Engine) {
	for _, p := range uiPages {
		r.GET(p, s.home)
	}
	r.GET("/ui/*file", s.uiAsset)
	r.HEAD("/ui/*file", s.uiAsset)
}

// home serves the page shell. It names the node and its role, so the
// <noscript> fallback still says where the reader is.
func (s *Server) home(c *gin.Context) { s.shell(c, http.StatusOK) }

func (s *Server) shell(c *gin.Context, status int) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	// The shell names live state: never cache it, so a new binary's
	// assets and the node's role are picked up at once.
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	_ = uiShell.Execute(c.Writer, s.clusterLine())
}

// pageNotFound answers a browser's request for a page that does not
// exist (/arenas/ with no name, a typo) with the shell and a 404, so the
// browser's router shows its "Page not found" page with the site around
// it, not a line of JSON. API paths and other clients keep the JSON
// error; /favicon.ico, which browsers ask for on their own, leads to the
// icon.
func (s *Server) pageNotFound(c *gin.Context) bool {
	r := c.Request
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if r.URL.Path == "/favicon.ico" {
		c.Redirect(http.StatusMovedPermanently, "/ui/favicon.svg")
		return true
	}
	if strings.HasPrefix(r.URL.Path, "/v1/") || strings.HasPrefix(r.URL.Path, "/ui/") || !strings.Contains(r.Header.Get("Accept"), "text/html") {
		return false
	}
	s.shell(c, http.StatusNotFound)
	return true
}

// uiAsset serves one embedded file with a type browsers accept for ES
// modules (they refuse module scripts served as text/plain under nosniff).
func (s *Server) uiAsset(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("file")), "/")
	data, err := fs.ReadFile(uiAssets, name)
	if err != nil || name == "index.html" {
		s.writeError(c, apperr.New(apperr.NotFound, "no asset %s", echo(name)))
		return
	}
	ct := "application/octet-stream"
	switch path.Ext(name) {
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".svg":
		ct = "image/svg+xml"
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, ct, data)
}
