package hikeshi

// ClockReader is the read side of clocks and notifications (IH-6).
type ClockReader interface{}

// ClockWriter is the write side of clocks and notifications (IH-6).
type ClockWriter interface{}
