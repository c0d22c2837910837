// Package web holds xiaoer's pages, embedded in the binary so that a fresh
// clone builds and runs with `go build` alone: no Node, no bundler.
package web

import "embed"

// Pages are the standalone pages: setup and invitation.
//
//go:embed pages
var Pages embed.FS

// UI is the three faces of xiaoer: the buyer widget and chat (widget/), the
// agent workbench (desk/) and the admin console (admin/), with what they
// share (common/: message catalogues, the API and socket clients, styles).
//
//go:embed common widget desk admin
var UI embed.FS
