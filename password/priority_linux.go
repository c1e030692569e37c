package password

import "syscall"

// lowerThreadPriority sets the calling thread's nice value to 10. Linux
// keeps a nice value per thread; raising it needs no privilege. A failure
// leaves the thread at the process's priority, as on other systems.
func lowerThreadPriority() {
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 10)
}
