package service

// Documents is the ISMS's IS-1: versioned policy documents, the ISMS scope and roles per department.
type Documents struct{ base }
