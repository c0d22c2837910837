package server

import (
	"testing"
)

// webAccessTable is the access decision for the pages of the three faces:
// every one is public, since the buyer chat identifies the buyer in its
// socket and the workbench and console log in through the API, which
// checks every call.
func webAccessTable(t *testing.T) map[string]access {
	static := func(path string) func(*matrix, caller, int64) matrixReq {
		return func(*matrix, caller, int64) matrixReq { return matrixReq{path: path} }
	}
	return map[string]access{
		// The client follows the redirect to the workbench page.
		"GET /{$}":            {who: public, ok: 200, allow: everyone, req: static("/")},
		"GET /chat/{shop}":    {who: public, ok: 200, allow: everyone, req: static("/chat/alpha")},
		"GET /widget.js":      {who: public, ok: 200, allow: everyone, req: static("/widget.js")},
		"GET /desk":           {who: public, ok: 200, allow: everyone, req: static("/desk")},
		"GET /admin":          {who: public, ok: 200, allow: everyone, req: static("/admin")},
		"GET /api/v1/session": {who: public, ok: 200, allow: everyone, req: static("/api/v1/session")},
		// A buyer upload without the buyer's identity headers is refused.
		"POST /chat/{shop}/uploads": {who: public, ok: 401, allow: everyone, req: func(*matrix, caller, int64) matrixReq {
			return matrixReq{path: "/chat/alpha/uploads", body: string(pngBytes)}
		}},
		"GET /uploads/{shop}/{name}": {who: public, ok: 200, allow: everyone, req: func(m *matrix, _ caller, _ int64) matrixReq {
			return matrixReq{path: m.f.upload(t)}
		}},
		"POST /api/v1/shops/{shop}/uploads": {who: member, ok: 201, allow: repliers, req: func(_ *matrix, _ caller, shop int64) matrixReq {
			return matrixReq{path: shopURL(shop, "/uploads"), body: string(pngBytes)}
		}},
		"GET /ui/{path...}": {who: public, ok: 200, allow: everyone, req: static("/ui/common/i18n.js")},
	}
}
