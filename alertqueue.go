package hikeshi

// AlertQueueReader is the read side of the alert queue (IH-3): events, their
// alerts, senders and suppression rules as the CSIRT sees them.
type AlertQueueReader interface{}

// AlertQueueWriter is the write side of the alert queue (IH-3): promoting and
// dismissing events, managing senders and suppression rules.
type AlertQueueWriter interface{}
