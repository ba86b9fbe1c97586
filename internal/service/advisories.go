package service

// Advisories is IM-3: writing, reviewing and publishing advisories, and
// their CSAF 2.0 documents.
type Advisories struct {
	base
}
