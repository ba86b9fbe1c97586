package hikeshi

// ImprovementReader is the read side of IN-1: lessons from incidents that become improvement actions on measures and risks, and the improvement lead time.
type ImprovementReader interface{}

// ImprovementWriter is the write side of IN-1: lessons from incidents that become improvement actions on measures and risks, and the improvement lead time.
type ImprovementWriter interface{}
