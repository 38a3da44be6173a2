package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{[]time.Duration{3, 1, 2}, 2},
		{[]time.Duration{4, 1, 3, 2}, 2}, // (2+3)/2 in integer nanoseconds
		{[]time.Duration{5}, 5},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseRefusesBadCommands(t *testing.T) {
	for _, a := range []string{"nocommand", "=true", "x=", "x=   "} {
		if _, err := parse([]string{a}); err == nil {
			t.Errorf("%q accepted", a)
		}
	}
	c, err := parse([]string{"t=true  a   b"})
	if err != nil || c[0].name != "t" || strings.Join(c[0].argv, ",") != "true,a,b" {
		t.Errorf("parse: %+v %v", c, err)
	}
}

// TestRunInterleaves runs this test binary as the command (it exits at once
// with -test.run=^$) and checks the report's rows and run count.
func TestRunInterleaves(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := self + " -test.run=^$"
	if err := run([]string{"-runs", "3", "-warmup", "1", "a=" + cmd, "b=" + cmd}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "a ") || !strings.HasPrefix(lines[2], "b ") || !strings.HasPrefix(lines[3], "a ÷ b: ") {
		t.Errorf("report:\n%s", out.String())
	}
	if err := run([]string{"-runs", "1", "f=false"}, &out); err == nil || !strings.Contains(err.Error(), "f:") {
		t.Errorf("a failing command: %v", err)
	}
}
