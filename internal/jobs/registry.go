package jobs

import (
	"log/slog"
	"time"

	"github.com/hikeshi/hikeshi/internal/mailout"
	"github.com/hikeshi/hikeshi/internal/service"
)

// Deps are what Hikeshi's job handlers need.
type Deps struct {
	Services *service.Services
	Mail     mailout.Sender // nil: e-mail is off and reminders are in-app only
	BaseURL  string         // for links in e-mail
	Log      *slog.Logger
	// Location is the time zone of times in e-mail; nil means time.Local,
	// as in the web UI.
	Location *time.Location
}

// Set returns every job handler of Hikeshi and its periodic jobs: what
// "hikeshi serve" runs, and what tests run with a fake clock. Each area adds
// its handlers from its own file through the adders below.
func Set(d Deps) (map[string]Handler, []Periodic) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	hs := map[string]Handler{KindAuditVerify: VerifyAudit(d.Services.Audit, d.Log)}
	periodic := []Periodic{{Kind: KindAuditVerify, Every: 24 * time.Hour}}
	for _, add := range []func(Deps, map[string]Handler, *[]Periodic){addClockJobs, addEvidenceJobs, addRiskJobs, addCheckJobs, addAdvisoryJobs, addVulnerabilityJobs, addAwarenessJobs} {
		add(d, hs, &periodic)
	}
	return hs, periodic
}
