package service

// Risks is the ISMS's IS-2: the asset inventory and the risk register.
type Risks struct{ base }
