package service

// SetSimGate makes background simulations wait for a receive from gate
// before they simulate, so that tests see a job running (nil: no wait).
func (s *Advisor) SetSimGate(gate chan struct{}) {
	s.bg.mu.Lock()
	s.bg.gate = gate
	s.bg.mu.Unlock()
}
