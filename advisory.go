package hikeshi

// Advisories (IM-3): the CSIRT's warnings (注意喚起) to its constituency,
// TLP-marked and versioned, published internally, by mail and as CSAF 2.0.

// AdvisoryReader is the read side of advisories.
type AdvisoryReader interface{}

// AdvisoryWriter is the write side of advisories.
type AdvisoryWriter interface{}
