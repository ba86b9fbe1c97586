package store

// This file implements hikeshi.MailIntakeReader and hikeshi.MailIntakeWriter.
