package service

// Tasks are the work an incident asks of departments (IH-5): each task is
// assigned to a department, optionally to one of its members, and shows in
// the department's inbox with as much incident context as TLP allows.
// Playbooks are task templates per category.
type Tasks struct{ base }
