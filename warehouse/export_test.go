package warehouse

// SetRefoldPage makes RefoldAll's pages about n dossiers until the returned
// func is called.
func SetRefoldPage(n int) func() {
	old := refoldPage
	refoldPage = n
	return func() { refoldPage = old }
}
