package preflight

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"portail"
)

func TestReaderCacheAndClose(t *testing.T) {
	dir := t.TempDir()
	data := addressLetter(t)
	var windows [][]string
	for range 2 { // the second start reads the cache the first wrote
		r := New(Config{Workers: 1, CacheDir: dir})
		ins, err := r.Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), 60)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Ready() {
			t.Error("not ready after an inspection")
		}
		windows = append(windows, ins.Windows[portail.WindowRight])
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(windows[0], windows[1]) || len(windows[0]) != 3 {
		t.Errorf("windows %q", windows)
	}
}

func TestReaderWaitIsBoundedByContext(t *testing.T) {
	r := New(Config{})
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := addressLetter(t)
	if _, err := r.Inspect(ctx, bytes.NewReader(data), int64(len(data)), 60); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func TestReaderTimeoutKillsAndRecovers(t *testing.T) {
	// A time limit shorter than drawing a 49 M pixel image: the instance is
	// killed mid-call, the call ends as too complex, and the pool gives a
	// fresh instance after. (A machine fast enough to finish in time
	// answers the inspection instead; both are right.)
	r := New(Config{Workers: 1, Timeout: 100 * time.Millisecond})
	defer r.Close()
	r.Start()
	<-r.ready
	data := imagePDF(7000)
	_, err := r.Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), 60)
	if err != nil && !fileInvalid(err) {
		t.Fatalf("err %v, want EINVALID on file (too complex)", err)
	}
	t.Logf("under 100 ms: %v", err)
	r.timeout = time.Minute
	ins, err := r.Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), 60)
	if err != nil || ins.Pages != 1 {
		t.Fatalf("after a kill: %+v, %v", ins, err)
	}
}

// The pool starts on first need: a reader closed before reading anything
// never built one, and reads nothing afterwards.
func TestReaderStartsOnFirstNeed(t *testing.T) {
	r := New(Config{})
	if r.Ready() {
		t.Error("ready before any need")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if r.pool != nil {
		t.Error("the pool started though nothing needed it")
	}
	data := addressLetter(t)
	if _, err := r.Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), 60); err == nil {
		t.Error("a closed reader read a letter")
	}
}
