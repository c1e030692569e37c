package sqldb

import (
	"encoding/base64"
	"testing"
	"time"

	"portail"
)

// checkBadCursor fails unless err is the one answer to every bad cursor:
// EINVALID on the field cursor.
func checkBadCursor(t *testing.T, c string, err error) {
	t.Helper()
	e, ok := err.(*portail.Error)
	if !ok || e.Code != portail.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "cursor" {
		t.Fatalf("decoding %q: %v, want the invalid cursor error", c, err)
	}
}

// FuzzCursor: the users list's (key, id) cursor comes back from a client
// as any string. Decoding never panics and refuses with the cursor error;
// whatever decodes encodes to a cursor that decodes to the same; and every
// (key, id) portail makes survives the trip.
func FuzzCursor(f *testing.F) {
	f.Add(encodeKeyCursor("username|alice", 42), "username|alice", int64(42))
	f.Add(encodeKeyCursor("-created_at|1767225600000000", 7), "full_name|Zoë:d'Ercole", int64(-1))
	f.Add("", "", int64(0))
	f.Add("!!!", "email_key|a@b.test", int64(9223372036854775807))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("12")), "", int64(-9223372036854775808))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(":x")), "a\x00b", int64(1))
	f.Add(base64.StdEncoding.EncodeToString([]byte("1:x")), "\xff", int64(1))
	f.Fuzz(func(t *testing.T, c, key string, id int64) {
		k, n, err := decodeKeyCursor(c)
		if err != nil {
			checkBadCursor(t, c, err)
		} else if k2, n2, err := decodeKeyCursor(encodeKeyCursor(k, n)); err != nil || k2 != k || n2 != n {
			t.Fatalf("%q decodes to (%q, %d), which re-encodes to (%q, %d, %v)", c, k, n, k2, n2, err)
		}
		k, n, err = decodeKeyCursor(encodeKeyCursor(key, id))
		if err != nil || k != key || n != id {
			t.Fatalf("(%q, %d) comes back as (%q, %d, %v)", key, id, k, n, err)
		}
	})
}

// FuzzTimeCursor: the same for the (time, id) cursor of the newest-first
// lists (activity, documents, labels).
func FuzzTimeCursor(f *testing.F) {
	f.Add(encodeTimeCursor(time.Date(2026, 1, 31, 8, 0, 0, 123456789, time.UTC), 42), int64(1769846400123456), int64(42))
	f.Add("", int64(0), int64(0))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("1:2:3")), int64(-1), int64(-1))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("99999999999999999999:1")), int64(9223372036854775807), int64(1))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("+1:-0")), int64(-9223372036854775808), int64(1))
	f.Fuzz(func(t *testing.T, c string, at, id int64) {
		a, n, err := decodeTimeCursor(c)
		if err != nil {
			checkBadCursor(t, c, err)
		} else if a2, n2, err := decodeTimeCursor(encodeTimeCursor(fromMicros(a), n)); err != nil || a2 != a || n2 != n {
			t.Fatalf("%q decodes to (%d, %d), which re-encodes to (%d, %d, %v)", c, a, n, a2, n2, err)
		}
		a, n, err = decodeTimeCursor(encodeTimeCursor(fromMicros(at), id))
		if err != nil || a != at || n != id {
			t.Fatalf("(%d, %d) comes back as (%d, %d, %v)", at, id, a, n, err)
		}
	})
}

// FuzzIDCursor: the same for the id cursor of the lists in id order (the
// outbox, the histories).
func FuzzIDCursor(f *testing.F) {
	f.Add(encodeIDCursor(42), int64(42))
	f.Add("", int64(0))
	f.Add("42", int64(-1))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("1:2")), int64(9223372036854775807))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("+1")), int64(-9223372036854775808))
	f.Fuzz(func(t *testing.T, c string, id int64) {
		n, err := decodeIDCursor(c)
		if err != nil {
			checkBadCursor(t, c, err)
		} else if n2, err := decodeIDCursor(encodeIDCursor(n)); err != nil || n2 != n {
			t.Fatalf("%q decodes to %d, which re-encodes to (%d, %v)", c, n, n2, err)
		}
		if n, err = decodeIDCursor(encodeIDCursor(id)); err != nil || n != id {
			t.Fatalf("%d comes back as (%d, %v)", id, n, err)
		}
	})
}
