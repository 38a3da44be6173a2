//go:build wasip1 && files

package main

//go:wasmimport wasi_snapshot_preview1 fd_filestat_get
func fdFilestatGet(fd uint32, buf *byte) uint32

func stat() {
	var buf [64]byte
	if fdFilestatGet(3, &buf[0]) != 0 {
		logf(3, "fd_filestat_get failed")
	}
}
