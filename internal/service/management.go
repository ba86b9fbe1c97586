package service

// Management is the ISMS's IS-5: management reviews, with inputs compiled
// from the period's data and decisions that become corrective actions.
type Management struct {
	base
	checks *Checks // opens the decisions' corrective actions in the review's transaction
}
