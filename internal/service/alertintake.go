package service

// AlertIntake receives alerts from machines (IH-3): it authenticates senders,
// decodes, de-duplicates and groups alerts, and commits them in batches.
type AlertIntake struct {
	base
}
