// Package archtest holds no code, only a test that enforces the dependency
// rules of STYLE.md with "go list -deps": the domain imports only the
// standard library, services never reach storage or HTTP, transports never
// reach the store or each other, and only cmd/hikeshi wires them together.
package archtest
