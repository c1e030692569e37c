package password

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestHashersRunAtLowerPriority: the threads that hash run at nice 10,
// and no other thread of the process does (the goroutine that asked for
// the hash stays at the process's priority).
func TestHashersRunAtLowerPriority(t *testing.T) {
	Hash("start the hashers")
	tasks, err := filepath.Glob("/proc/self/task/*/stat")
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no threads listed: %v", err)
	}
	low, other := 0, 0
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended
		}
		// Fields after the command's closing parenthesis: state is the
		// first, nice the 17th (proc(5) field 19).
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		nice, err := strconv.Atoi(fields[16])
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		switch nice {
		case 10:
			low++
		case 0:
			other++
		default:
			t.Errorf("%s: nice %d", f, nice)
		}
	}
	if low != Concurrency() || other == 0 {
		t.Fatalf("%d threads at nice 10 (want %d, the hashers), %d at nice 0", low, Concurrency(), other)
	}
}
