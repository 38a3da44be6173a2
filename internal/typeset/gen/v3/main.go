// Command v3 writes the descriptor set ../../v3.pb (see ../gen.sh) with
// descset, from the packages imports.go links.
package main

import (
	"fmt"
	"os"

	"github.com/wasmgen/wasmgen/internal/typeset/gen/descset"
)

func main() {
	if err := descset.Write(os.Args[1], extra()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
