//go:build !linux

package password

// lowerThreadPriority does nothing here: only Linux sets a priority per
// thread.
func lowerThreadPriority() {}
