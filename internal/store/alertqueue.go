package store

// This file implements hikeshi.AlertQueueReader and hikeshi.AlertQueueWriter.
