package hikeshi

// FrameworkReader is the read side of IS-3: frameworks, the measure catalogue and the Statement of Applicability.
type FrameworkReader interface{}

// FrameworkWriter is the write side of IS-3: frameworks, the measure catalogue and the Statement of Applicability.
type FrameworkWriter interface{}
