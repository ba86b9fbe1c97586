package jobs

// addAwarenessJobs adds the awareness area's job handlers and periodic jobs.
func addAwarenessJobs(d Deps, hs map[string]Handler, periodic *[]Periodic) {}
