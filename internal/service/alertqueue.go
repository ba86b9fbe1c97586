package service

// AlertQueue is the CSIRT's side of alert intake (IH-3): the queue of events,
// promoting and dismissing them, alert senders and suppression rules.
type AlertQueue struct {
	base
}
