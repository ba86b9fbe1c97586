package store

// This file implements hikeshi.AwarenessReader and hikeshi.AwarenessWriter.
