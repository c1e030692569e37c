package web

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// userHZ is the unit of the times in /proc/PID/stat: USER_HZ, 100 on
// every Linux architecture Go runs on.
const userHZ = 100

// writeProcess writes the process's figures from /proc, under the names
// of the official client's process collector. A figure that cannot be
// read is left out.
func writeProcess(e exposition) {
	if stat, err := os.ReadFile("/proc/self/stat"); err == nil {
		// The fields after the command's name, which is in parentheses
		// and may hold spaces: field 3 (state) is f[0].
		if i := bytes.LastIndexByte(stat, ')'); i > 0 {
			f := strings.Fields(string(stat[i+1:]))
			if len(f) > 21 {
				num := func(i int) float64 { v, _ := strconv.ParseFloat(f[i], 64); return v }
				e.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.")
				e.sample("process_cpu_seconds_total", "", (num(11)+num(12))/userHZ) // utime, stime
				e.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.")
				e.sample("process_virtual_memory_bytes", "", num(20)) // vsize
				e.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
				e.sample("process_resident_memory_bytes", "", num(21)*float64(os.Getpagesize())) // rss
				if boot, ok := bootTime(); ok {
					e.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.")
					e.sample("process_start_time_seconds", "", boot+num(19)/userHZ) // starttime
				}
			}
		}
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		e.family("process_open_fds", "gauge", "Number of open file descriptors.")
		e.sample("process_open_fds", "", float64(len(fds)))
	}
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		e.family("process_max_fds", "gauge", "Maximum number of open file descriptors.")
		e.sample("process_max_fds", "", float64(lim.Cur))
	}
}

// bootTime is when the machine started, in seconds since the epoch.
func bootTime() (float64, bool) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(stat)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			t, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return t, err == nil
		}
	}
	return 0, false
}
