package store

// This file implements hikeshi.VulnerabilityReader and hikeshi.VulnerabilityWriter.
