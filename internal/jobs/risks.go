package jobs

// addRiskJobs adds the risk-review reminders of the ISMS (IS-2).
func addRiskJobs(d Deps, hs map[string]Handler, periodic *[]Periodic) {}
