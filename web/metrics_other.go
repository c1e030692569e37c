//go:build !linux

package web

// writeProcess writes nothing where there is no /proc: the process
// figures are the Linux ones.
func writeProcess(exposition) {}
