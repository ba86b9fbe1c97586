package hikeshi

// ManagementReader is the read side of IS-5: management reviews, their inputs compiled from the period and their decisions.
type ManagementReader interface{}

// ManagementWriter is the write side of IS-5: management reviews, their inputs compiled from the period and their decisions.
type ManagementWriter interface{}
