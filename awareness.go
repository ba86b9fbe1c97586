package hikeshi

// Awareness (IM-4): material made from closed incidents' lessons, campaigns
// sent to departments, who read and confirmed, and whether incidents of the
// category fell afterwards.

// AwarenessReader is the read side of awareness.
type AwarenessReader interface{}

// AwarenessWriter is the write side of awareness.
type AwarenessWriter interface{}
