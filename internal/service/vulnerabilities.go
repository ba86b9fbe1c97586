package service

import "github.com/hikeshi/hikeshi"

// Vulnerabilities is IM-1: vulnerability records, remediation, exceptions
// and coordinated disclosure.
type Vulnerabilities struct {
	base
	advisories *Advisories // drafts an advisory from a vulnerability
}

// CanReadVulnerabilities says whether a may open the vulnerability pages.
func CanReadVulnerabilities(a hikeshi.Actor) bool { return a.CanReadAll() }
