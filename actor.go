package hikeshi

// Actor is who performs an operation. Every service method takes one
// explicitly, so authorization and audit are visible in every signature.
type Actor struct {
	UserID       string // empty for the system itself
	Email        string
	Role         Role
	DepartmentID string
	Via          string // "web", "api", "cli", "system"
}

// SystemActor is the actor for work the platform does on its own behalf
// (the demo loader, migrations of data, background jobs).
func SystemActor(via string) Actor { return Actor{Role: RoleAdmin, Via: via, Email: "system"} }

// ActorFor builds the actor of a signed-in user.
func ActorFor(u User, via string) Actor {
	return Actor{UserID: u.ID, Email: u.Email, Role: u.Role, DepartmentID: u.DepartmentID, Via: via}
}

// IsSystem reports whether the actor is the platform itself.
func (a Actor) IsSystem() bool { return a.UserID == "" && a.Role == RoleAdmin }

// Label is how the actor appears in the audit log.
func (a Actor) Label() string {
	if a.IsSystem() {
		return "system (" + a.Via + ")"
	}
	return a.Email
}

// CanAdminister reports whether the actor manages accounts, departments and settings.
func (a Actor) CanAdminister() bool { return a.Role == RoleAdmin }

// CanReadAll reports whether the actor may read every record of the organisation
// (subject to TLP where records carry it).
func (a Actor) CanReadAll() bool {
	switch a.Role {
	case RoleAdmin, RoleAuditor, RoleCSIRT, RoleManager:
		return true
	}
	return false
}

// CanReadAudit reports whether the actor may read the audit log.
func (a Actor) CanReadAudit() bool { return a.Role == RoleAdmin || a.Role == RoleAuditor }

// ReadOnly reports whether the actor may change nothing.
func (a Actor) ReadOnly() bool { return a.Role == RoleAuditor }
