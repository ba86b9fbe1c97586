package hikeshi

// DashboardReader is the read side of IN-5 and IN-6: the two loops on one screen, and the reporting culture.
type DashboardReader interface{}

// DashboardWriter is the write side of IN-5 and IN-6: the two loops on one screen, and the reporting culture.
type DashboardWriter interface{}
