package jobs

// addVulnerabilityJobs adds the vulnerabilities area's job handlers and periodic jobs.
func addVulnerabilityJobs(d Deps, hs map[string]Handler, periodic *[]Periodic) {}
