package service

// Dashboard is IN-5 and IN-6: the two loops on one screen, and the reporting culture.
type Dashboard struct{ base }
