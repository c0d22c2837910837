package server

import (
	"net/http"
	"strings"
)

// channelOf tells where a buyer writes from, for the statistics' channel
// dimension: "mobile" for phones and tablets (a browser or an app's web
// view, Taobao's 无线端), "web" for everything else (the widget on a
// computer). The User-Agent is all a socket has, and it is a hint, not
// proof; the statistics need no more.
func channelOf(r *http.Request) string {
	ua := strings.ToLower(r.UserAgent())
	for _, s := range []string{"mobi", "android", "iphone", "ipad", "ipod", "harmonyos", "micromessenger"} {
		if strings.Contains(ua, s) {
			return "mobile"
		}
	}
	return "web"
}
