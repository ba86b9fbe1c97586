package hikeshi

// AdvisorReader is the read side of IN-3 and IN-4: the pattern advisor and the what-if simulation.
type AdvisorReader interface{}

// AdvisorWriter is the write side of IN-3 and IN-4: the pattern advisor and the what-if simulation.
type AdvisorWriter interface{}
