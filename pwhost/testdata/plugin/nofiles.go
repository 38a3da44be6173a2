//go:build wasip1 && !files

package main

func stat() { logf(3, "built without -tags files") }
