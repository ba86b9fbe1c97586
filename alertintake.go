package hikeshi

// AlertIntakeReader is the read side of alert intake (IH-3): what the intake
// pipeline reads to authenticate senders and de-duplicate alerts.
type AlertIntakeReader interface{}

// AlertIntakeWriter is the write side of alert intake (IH-3): storing alerts,
// repeats and new events in batches.
type AlertIntakeWriter interface{}
