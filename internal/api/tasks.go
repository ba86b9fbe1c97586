package api

// taskRoutes are the operations of tasks assigned to departments, the task inbox and playbooks (IH-5).
func (h *Handler) taskRoutes() []route { return nil }
