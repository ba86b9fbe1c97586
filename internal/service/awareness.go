package service

// Awareness is IM-4: awareness material from incidents' lessons and the
// campaigns that send it to departments.
type Awareness struct {
	base
}
