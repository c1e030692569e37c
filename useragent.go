package portail

import "strings"

// Software is what a User-Agent header says of the program that sent it,
// in a reader's words: "Firefox" on "Windows". Either may be "" when the
// header does not say (or lies too well): the list of sessions shows it
// beside the raw header, as a hint, never as a proof.
type Software struct {
	Browser string
	OS      string
}

// userAgentBrowsers are tried in order: most browsers claim to be
// another one too (Edge and Opera say Chrome, Chrome says Safari, every
// one of them says Mozilla), so the more particular token comes first.
var userAgentBrowsers = []struct{ token, name string }{
	{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
	{"OPR/", "Opera"}, {"Opera", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"Vivaldi/", "Vivaldi"},
	{"FxiOS/", "Firefox"}, {"Firefox/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"Chrome/", "Chrome"},
	{"Version/", "Safari"}, // Safari names its version so; Chrome does not
	{"MSIE ", "Internet Explorer"}, {"Trident/", "Internet Explorer"},
	{"curl/", "curl"}, {"Wget/", "Wget"}, {"python-requests/", "Python"},
	{"Go-http-client/", "Go"}, {"okhttp/", "OkHttp"}, {"PostmanRuntime/", "Postman"},
}

// userAgentSystems likewise: Android says Linux, iOS says Mac OS X.
var userAgentSystems = []struct{ token, name string }{
	{"Windows", "Windows"},
	{"Android", "Android"},
	{"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"iPod", "iOS"},
	{"CrOS", "ChromeOS"},
	{"Mac OS X", "macOS"}, {"Macintosh", "macOS"},
	{"Linux", "Linux"}, {"X11", "Linux"},
	{"FreeBSD", "FreeBSD"}, {"OpenBSD", "OpenBSD"},
}

// ParseUserAgent reads the browser and the operating system from a
// User-Agent header: a few tokens looked for in a known order, enough to
// tell "Firefox on Windows" from "Safari on iOS"; versions are left out.
func ParseUserAgent(ua string) Software {
	var s Software
	for _, b := range userAgentBrowsers {
		if strings.Contains(ua, b.token) {
			s.Browser = b.name
			break
		}
	}
	if s.Browser == "Safari" && !strings.Contains(ua, "Safari/") && !strings.Contains(ua, "Mobile/") {
		s.Browser = "" // "Version/" alone is not Safari's
	}
	for _, o := range userAgentSystems {
		if strings.Contains(ua, o.token) {
			s.OS = o.name
			break
		}
	}
	return s
}
