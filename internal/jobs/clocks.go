package jobs

// addClockJobs adds the reminder and escalation jobs of incident clocks (IH-6).
func addClockJobs(d Deps, hs map[string]Handler, periodic *[]Periodic) {}
