package service

// Advisor is IN-3 and IN-4: the pattern advisor and the what-if simulation.
type Advisor struct{ base }
