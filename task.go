package hikeshi

// TaskReader is the read side of tasks and playbooks (IH-5).
type TaskReader interface{}

// TaskWriter is the write side of tasks and playbooks (IH-5).
type TaskWriter interface{}
