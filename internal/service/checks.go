package service

// Checks is the ISMS's IS-4: metrics, the internal audit programme, findings and corrective actions.
type Checks struct{ base }
