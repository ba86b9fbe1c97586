package demo

import (
	"context"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// loadVulnerabilities adds the demo's vulnerabilities data.
func loadVulnerabilities(ctx context.Context, svc *service.Services, users map[hikeshi.Role]hikeshi.User, depts []string) error {
	return nil
}
