package store

import (
	"context"
	"time"

	"github.com/hikeshi/hikeshi"
)

// AdvisorHistory counts, for the pattern advisor, the incidents created since
// since, the first incident's creation time and the active users per kind of
// their department. Aggregates only.
func (q queries) AdvisorHistory(ctx context.Context, since time.Time) (hikeshi.AdvisorHistory, error) {
	h := hikeshi.AdvisorHistory{Staff: map[hikeshi.DepartmentKind]int{}}
	var err error
	if h.IncidentsSince, err = q.count(ctx, "SELECT count(*) FROM incidents WHERE created_at >= ?", q.d.t(since)); err != nil {
		return h, mapError(err)
	}
	if err = q.row(ctx, "SELECT min(created_at) FROM incidents").Scan(timeCol{&h.FirstIncidentAt}); err != nil {
		return h, mapError(err)
	}
	counts, err := q.counts(ctx, `SELECT d.kind, count(*) FROM users u JOIN departments d ON d.id = u.department_id
		WHERE u.disabled_at IS NULL GROUP BY d.kind ORDER BY d.kind`)
	if err != nil {
		return h, mapError(err)
	}
	for _, c := range counts {
		h.Staff[hikeshi.DepartmentKind(c.Key)] = c.N
	}
	if h.Users, err = q.count(ctx, "SELECT count(*) FROM users WHERE disabled_at IS NULL"); err != nil {
		return h, mapError(err)
	}
	return h, nil
}
