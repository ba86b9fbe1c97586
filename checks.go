package hikeshi

// CheckReader is the read side of IS-4: metrics, the internal audit programme, findings and corrective actions.
type CheckReader interface{}

// CheckWriter is the write side of IS-4: metrics, the internal audit programme, findings and corrective actions.
type CheckWriter interface{}
