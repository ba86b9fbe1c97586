package service

import (
	"context"
	"fmt"

	"github.com/hikeshi/hikeshi"
)

// Audit reads and verifies the audit log.
type Audit struct{ base }

// List returns audit entries newest first. Admins and auditors only.
func (s *Audit) List(ctx context.Context, actor hikeshi.Actor, f hikeshi.AuditFilter) ([]hikeshi.AuditRecord, error) {
	if !actor.CanReadAudit() {
		return nil, forbid("read the audit log")
	}
	return s.st.FindAuditRecords(ctx, f)
}

// Verify walks the whole chain in one read snapshot. It returns the number of entries checked and,
// when the chain is broken, a *hikeshi.ChainBreak naming the first bad entry.
func (s *Audit) Verify(ctx context.Context) (int64, error) {
	var v hikeshi.ChainVerifier
	headSeq, headHash, err := s.st.WalkAudit(ctx, v.Next)
	if err != nil {
		return v.Checked(), err
	}
	switch {
	case v.Checked() < headSeq:
		return v.Checked(), &hikeshi.ChainBreak{Seq: v.Checked() + 1, Reason: fmt.Sprintf(
			"entries %d to %d are missing (deleted from the end of the log)", v.Checked()+1, headSeq)}
	case v.Checked() > headSeq:
		return v.Checked(), &hikeshi.ChainBreak{Seq: headSeq + 1, Reason: fmt.Sprintf(
			"the chain head records %d entries but the log holds %d (the head was reset or entries were inserted)", headSeq, v.Checked())}
	case headSeq > 0 && v.LastHash() != headHash:
		return v.Checked(), &hikeshi.ChainBreak{Seq: headSeq, Reason: "the last entry does not match the recorded chain head (modified)"}
	}
	return v.Checked(), nil
}
