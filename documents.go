package hikeshi

// DocumentReader is the read side of IS-1: versioned policy documents, the ISMS scope and roles per department.
type DocumentReader interface{}

// DocumentWriter is the write side of IS-1: versioned policy documents, the ISMS scope and roles per department.
type DocumentWriter interface{}
