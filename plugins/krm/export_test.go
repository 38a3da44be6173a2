package krm

// Splits reports whether Execute copies the list's untouched items rather than
// handing the whole list to kyaml.
func Splits(in []byte) bool {
	_, ok := splitList(in)
	return ok
}
