package hikeshi

import (
	"context"
	"time"
)

// AdvisorHistory is what the pattern advisor (IN-3) reads from the records to
// prefill its form: how many incidents were opened since a moment, when the
// first incident was opened, and how many active users sit in departments of
// each kind. Counts only: no incident's words.
type AdvisorHistory struct {
	IncidentsSince  int                    // incidents created at or after the moment asked for
	FirstIncidentAt time.Time              // the oldest incident's creation; zero when there is none
	Staff           map[DepartmentKind]int // active users per kind of their department
	Users           int                    // active users, with or without a department
}

// AdvisorReader is the read side of IN-3 and IN-4: the pattern advisor and the what-if simulation.
type AdvisorReader interface {
	// AdvisorHistory counts the incidents created since since and the active
	// users per department kind.
	AdvisorHistory(ctx context.Context, since time.Time) (AdvisorHistory, error)
}

// AdvisorWriter is the write side of IN-3 and IN-4: the pattern advisor and the what-if simulation.
// The advisor changes nothing.
type AdvisorWriter interface{}
