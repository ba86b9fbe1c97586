package jobs

// addEvidenceJobs adds the clean-up of stored files nothing refers to any more.
func addEvidenceJobs(d Deps, hs map[string]Handler, periodic *[]Periodic) {}
