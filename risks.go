package hikeshi

// RiskReader is the read side of IS-2: the asset inventory and the risk register.
type RiskReader interface{}

// RiskWriter is the write side of IS-2: the asset inventory and the risk register.
type RiskWriter interface{}
