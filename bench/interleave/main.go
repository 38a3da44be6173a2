// Command interleave times whole processes the fair way on a shared machine: it runs
// the commands in rounds, one run of each per round in turn, so a slow spell of the
// machine hits every command alike (hyperfine runs one command's runs back to back).
// It prints, per command, the median, first quartile and minimum wall time, then
// the first command's median as a multiple of each other's.
//
//	interleave -runs 40 -warmup 3 'name=command args…' 'name=command args…'
//
// Arguments are split on spaces (no shell, no quoting): each command's start-up is
// measured, not a shell's. A command that exits non-zero stops the run.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

type command struct {
	name  string
	argv  []string
	times []time.Duration
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "interleave:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("interleave", flag.ContinueOnError)
	runs := fs.Int("runs", 40, "timed runs of each command")
	warmup := fs.Int("warmup", 3, "untimed runs of each command first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmds, err := parse(fs.Args())
	if err != nil {
		return err
	}
	for range *warmup {
		for _, c := range cmds {
			if _, err := c.once(); err != nil {
				return err
			}
		}
	}
	for range *runs {
		for _, c := range cmds {
			d, err := c.once()
			if err != nil {
				return err
			}
			c.times = append(c.times, d)
		}
	}
	report(out, cmds)
	return nil
}

func parse(args []string) ([]*command, error) {
	if len(args) == 0 {
		return nil, errors.New("no commands; pass name=command args…")
	}
	var cmds []*command
	for _, a := range args {
		name, line, ok := strings.Cut(a, "=")
		argv := strings.Fields(line)
		if !ok || name == "" || len(argv) == 0 {
			return nil, fmt.Errorf("%q: expected name=command args…", a)
		}
		cmds = append(cmds, &command{name: name, argv: argv})
	}
	return cmds, nil
}

func (c *command) once() (time.Duration, error) {
	cmd := exec.Command(c.argv[0], c.argv[1:]...)
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", c.name, err)
	}
	return d, nil
}

// report prints one row per command; quantiles are of the sorted times.
func report(w io.Writer, cmds []*command) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Fprintf(w, "%-14s %9s %9s %9s  (ms, %d runs each)\n", "command", "median", "p25", "min", len(cmds[0].times))
	for _, c := range cmds {
		s := slices.Clone(c.times)
		slices.Sort(s)
		fmt.Fprintf(w, "%-14s %9.1f %9.1f %9.1f\n", c.name, ms(median(s)), ms(s[len(s)/4]), ms(s[0]))
	}
	first := median(cmds[0].times)
	for _, c := range cmds[1:] {
		fmt.Fprintf(w, "%s ÷ %s: %.2fx\n", cmds[0].name, c.name, float64(first)/float64(median(c.times)))
	}
}

func median(ts []time.Duration) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
