package portail_test

import (
	"testing"

	"portail"
)

func TestParseUserAgent(t *testing.T) {
	for _, c := range []struct{ ua, browser, os string }{
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox", "Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome", "Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge", "Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15", "Safari", "macOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1", "Safari", "iOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.134 Mobile/15E148 Safari/604.1", "Chrome", "iOS"},
		{"Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15", "Firefox", "iPadOS"},
		{"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36", "Samsung Internet", "Android"},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.135 Mobile Safari/537.36", "Chrome", "Android"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/116.0.0.0", "Opera", "Linux"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Chrome", "Linux"},
		{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome", "ChromeOS"},
		{"Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer", "Windows"},
		{"curl/8.11.1", "curl", ""},
		{"Go-http-client/1.1", "Go", ""},
		{"python-requests/2.32.3", "Python", ""},
		{"MyTool Version/2", "", ""}, // "Version/" alone is not Safari
		{"", "", ""},
		{"fixture", "", ""},
	} {
		got := portail.ParseUserAgent(c.ua)
		if got.Browser != c.browser || got.OS != c.os {
			t.Errorf("ParseUserAgent(%q) = %+v, want %q on %q", c.ua, got, c.browser, c.os)
		}
	}
}

func TestSessionItemID(t *testing.T) {
	for _, c := range []struct {
		kind portail.SessionKind
		id   int64
	}{{portail.SessionBrowser, 1}, {portail.SessionAPIKey, 1}, {portail.SessionBrowser, 1 << 40}} {
		s := portail.SessionItemID(c.kind, c.id)
		k, id, ok := portail.ParseSessionItemID(s)
		if !ok || k != c.kind || id != c.id {
			t.Errorf("%q reads back as %v %d %v", s, k, id, ok)
		}
	}
	if portail.SessionItemID(portail.SessionBrowser, 7) == portail.SessionItemID(portail.SessionAPIKey, 7) {
		t.Error("a session and a key of the same row id share an item id")
	}
	for _, bad := range []string{"", "7", "bs_", "bs_0", "bs_-1", "bs_07", "bs_+7", "ak_x", "xx_7", "bs_99999999999999999999", "ak_7 "} {
		if _, _, ok := portail.ParseSessionItemID(bad); ok {
			t.Errorf("%q is read as an item id", bad)
		}
	}
}
