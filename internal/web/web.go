// Package web is Hikeshi's server-rendered HTML user interface.
package web

import (
	"log/slog"
	"net/http"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// Options configure the web UI.
type Options struct {
	Services *service.Services
	Log      *slog.Logger
	Clock    hikeshi.Clock
	BaseURL  string // public address, e.g. https://hikeshi.example.org
	Secure   bool   // cookies get the Secure attribute (served over TLS)
}

// Handler serves the HTML UI.
type Handler struct {
	o Options
}

// New parses the templates and message catalogues and returns the UI.
func New(o Options) (*Handler, error) {
	return &Handler{o: o}, nil
}

// Register adds the UI's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {}
