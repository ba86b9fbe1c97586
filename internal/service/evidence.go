package service

// Evidence holds what an incident is about (IH-5): observables de-duplicated
// across incidents, affected assets, and evidence files stored
// content-addressed in the blob store.
type Evidence struct{ base }
