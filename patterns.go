package hikeshi

// OrgPatternReader is the read side of IN-2: the organisation's pattern — the responsibility matrix mapped onto its departments — and the routing of work by it.
type OrgPatternReader interface{}

// OrgPatternWriter is the write side of IN-2: the organisation's pattern — the responsibility matrix mapped onto its departments — and the routing of work by it.
type OrgPatternWriter interface{}
