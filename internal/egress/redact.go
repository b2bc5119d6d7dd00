package egress

import (
	"errors"
	"net/url"
)

// RedactURL cuts the URL that net/http's *url.Error in err names (the
// request's method and full URL: "Post \"https://h/hook?token=…\": …") to
// its scheme and host, "/…" standing for the rest. Owners put tokens in
// their webhook URLs' paths and queries; the API shows those URLs to the
// owner and the operator only, but call errors are logged at the default
// level, and logs travel further. The error is changed in place (each
// call's error is its own) and returned: call it on the client's error
// before wrapping it, since fmt.Errorf renders its message at once.
func RedactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redacted(ue.URL)
	}
	return err
}

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "…"
	}
	out := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		out += "/…"
	}
	return out
}
