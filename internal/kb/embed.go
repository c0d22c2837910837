package kb

import (
	"embed"
	"io/fs"
)

//go:embed packs
var packFiles embed.FS

// BuiltinPacks loads the answer packs shipped in the binary.
func BuiltinPacks() (*PackLibrary, error) {
	sub, err := fs.Sub(packFiles, "packs")
	if err != nil {
		return nil, err
	}
	return LoadPacks(sub)
}
