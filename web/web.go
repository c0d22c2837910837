// Package web holds xiaoer's pages, embedded in the binary so that a fresh
// clone builds and runs with `go build` alone.
package web

import "embed"

// Pages are the standalone pages: setup and invitation.
//
//go:embed pages
var Pages embed.FS
