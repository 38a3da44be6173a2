package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// Every flag a command's --help lists is offered by the completion scripts (and
// the README synopsis, which reads the same list): a flag whose line the parser
// misses would silently vanish from both.
func TestCompletionHasEveryFlag(t *testing.T) {
	parsed := map[string]int{}
	for _, c := range completionCommands() {
		parsed[c.name] = len(c.flags)
	}
	for name, c := range commands() {
		var help bytes.Buffer
		c.run([]string{"--help"}, nil, &help, io.Discard)
		_, flags, _ := strings.Cut(help.String(), "\nFlags:\n")
		want := 0
		for _, ln := range strings.Split(flags, "\n") {
			if strings.HasPrefix(strings.TrimLeft(ln, " "), "-") {
				want++
			}
		}
		if parsed[name] != want {
			t.Errorf("%s: completion has %d flags, --help lists %d", name, parsed[name], want)
		}
	}
}
