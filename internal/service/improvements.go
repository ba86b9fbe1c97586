package service

// Improvements is IN-1: lessons from incidents that become improvement
// actions on measures and risks, and the improvement lead time.
type Improvements struct {
	base
	patterns *Patterns // routes an improvement to the unit responsible for review and improvement of measures
	checks   *Checks   // opens improvement actions as corrective actions (source "lesson") in the caller's transaction
}
