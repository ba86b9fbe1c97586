package mailout

import (
	"context"
	"slices"
	"sync"
)

// Capture is a Sender for tests: it builds each message exactly as SMTP
// would, so an invalid message fails the same way, and records it instead of
// delivering it. The zero value is ready to use. It is safe for concurrent
// use. Production code never uses it.
type Capture struct {
	// From is the default author of messages without one; empty means
	// hikeshi@example.org.
	From string

	mu   sync.Mutex
	sent []Captured
	fail func(Message) error
}

// Captured is one recorded message with its encoded form.
type Captured struct {
	Message Message
	Raw     []byte
}

// Send records m, or returns the error that FailWith set up for it.
func (c *Capture) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.From == "" {
		m.From = c.From
		if m.From == "" {
			m.From = "hikeshi@example.org"
		}
	}
	raw, err := Builder{Domain: "example.org"}.Build(m)
	if err != nil {
		return err
	}
	if c.fail != nil {
		if err := c.fail(m); err != nil {
			return err
		}
	}
	m.To = slices.Clone(m.To)
	c.sent = append(c.sent, Captured{Message: m, Raw: raw})
	return nil
}

// FailWith makes Send return f's error for the messages it returns one for
// (nil f: none), so a test can exercise retries. Failed messages are not
// recorded.
func (c *Capture) FailWith(f func(Message) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail = f
}

// Sent returns the recorded messages in the order they were sent.
func (c *Capture) Sent() []Captured {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sent)
}

// Messages returns the recorded messages without their encoded form.
func (c *Capture) Messages() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Message, len(c.sent))
	for i, s := range c.sent {
		out[i] = s.Message
	}
	return out
}

// Reset forgets the recorded messages.
func (c *Capture) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = nil
}

var (
	_ Sender = (*Capture)(nil)
	_ Sender = (*SMTP)(nil)
)
