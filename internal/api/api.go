// Package api is Hikeshi's JSON API under /api/v1.
package api

import (
	"log/slog"
	"net/http"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// Options configure the API.
type Options struct {
	Services *service.Services
	Log      *slog.Logger
	Clock    hikeshi.Clock
	BaseURL  string
}

// Handler serves /api/v1.
type Handler struct {
	o Options
}

// New returns the API.
func New(o Options) *Handler { return &Handler{o: o} }

// Register adds the API's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {}
