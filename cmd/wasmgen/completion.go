package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// runCompletion is `wasmgen completion bash|zsh|fish`: a script completing the
// commands and each command's flags, built from the same flag sets the commands
// parse, so it cannot drift from them.
func runCompletion(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("completion")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	shells := []string{"bash", "zsh", "fish"}
	if fs.NArg() != 1 || !slices.Contains(shells, fs.Arg(0)) {
		return usageError(stderr, fs, "expected one shell: %s%s", strings.Join(shells, ", "), hintFor(fs.Arg(0), shells))
	}
	cmds := completionCommands()
	var b strings.Builder
	switch fs.Arg(0) {
	case "bash":
		writeBash(&b, cmds)
	case "zsh":
		writeZsh(&b, cmds)
	case "fish":
		writeFish(&b, cmds)
	}
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		fmt.Fprintf(stderr, "wasmgen completion: %v\n", err)
		return exitInvalid
	}
	return exitOK
}

// completionFlag is a flag as a completion script offers it.
type completionFlag struct {
	long, short, help string
}

type completionCommand struct {
	name, short string
	flags       []completionFlag
}

// flagLine is a line of pflag's FlagUsages: "  -f, --filename stringArray   help".
// Compiled on first use: start-up pays for no regexp.
var flagLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s+(?:-([a-zA-Z]), )?--([a-z0-9-]+)(?:\[=[^\]]*\])?(?: [a-zA-Z0-9]+)?\s{2,}(.*)$`)
})

// completionCommands lists every command with the flags its --help prints.
func completionCommands() []completionCommand {
	cmds := commands()
	var out []completionCommand
	for _, name := range slices.Sorted(maps.Keys(cmds)) {
		c := completionCommand{name: name, short: cmds[name].short}
		var help bytes.Buffer
		cmds[name].run([]string{"--help"}, nil, &help, io.Discard)
		_, flags, _ := strings.Cut(help.String(), "\nFlags:\n")
		for _, ln := range strings.Split(flags, "\n") {
			if m := flagLine().FindStringSubmatch(ln); m != nil {
				c.flags = append(c.flags, completionFlag{long: m[2], short: m[1], help: strings.TrimSpace(m[3])})
			}
		}
		out = append(out, c)
	}
	return out
}

func writeBash(b *strings.Builder, cmds []completionCommand) {
	var names []string
	for _, c := range cmds {
		names = append(names, c.name)
	}
	b.WriteString("# bash completion for wasmgen: source <(wasmgen completion bash)\n")
	b.WriteString("_wasmgen() {\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} opts=\n")
	fmt.Fprintf(b, "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\treturn\n\tfi\n", strings.Join(append(names, "help"), " "))
	b.WriteString("\tcase ${COMP_WORDS[1]} in\n")
	for _, c := range cmds {
		var opts []string
		for _, f := range c.flags {
			opts = append(opts, "--"+f.long)
			if f.short != "" {
				opts = append(opts, "-"+f.short)
			}
		}
		fmt.Fprintf(b, "\t%s) opts=%q ;;\n", c.name, strings.Join(opts, " "))
	}
	fmt.Fprintf(b, "\thelp) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", strings.Join(names, " "))
	b.WriteString("\tesac\n")
	b.WriteString("\tif [[ $cur == -* ]]; then\n\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n\telse\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n\tfi\n}\n")
	b.WriteString("complete -o default -F _wasmgen wasmgen\n")
}

// zshQuote quotes s for zsh inside single quotes, with [ ] escaped for _arguments.
func zshQuote(s string) string {
	s = strings.ReplaceAll(s, "'", `'\''`)
	s = strings.ReplaceAll(s, "[", `\[`)
	s = strings.ReplaceAll(s, "]", `\]`)
	s = strings.ReplaceAll(s, ":", `\:`)
	return s
}

func writeZsh(b *strings.Builder, cmds []completionCommand) {
	b.WriteString("#compdef wasmgen\n# zsh completion for wasmgen: wasmgen completion zsh > \"${fpath[1]}/_wasmgen\"\n")
	b.WriteString("_wasmgen() {\n\tlocal -a cmds\n\tif (( CURRENT == 2 )); then\n\t\tcmds=(\n")
	for _, c := range cmds {
		fmt.Fprintf(b, "\t\t\t'%s:%s'\n", c.name, zshQuote(c.short))
	}
	b.WriteString("\t\t)\n\t\t_describe 'command' cmds\n\t\treturn\n\tfi\n\tcase $words[2] in\n")
	for _, c := range cmds {
		fmt.Fprintf(b, "\t%s)\n\t\t_arguments -s", c.name)
		for _, f := range c.flags {
			fmt.Fprintf(b, " \\\n\t\t\t'--%s[%s]'", f.long, zshQuote(f.help))
			if f.short != "" {
				fmt.Fprintf(b, " \\\n\t\t\t'-%s[%s]'", f.short, zshQuote(f.help))
			}
		}
		b.WriteString(" \\\n\t\t\t'*:file:_files'\n\t\t;;\n")
	}
	b.WriteString("\tesac\n}\n")
	b.WriteString("if [ \"$funcstack[1]\" = \"_wasmgen\" ]; then\n\t_wasmgen \"$@\"\nelse\n\tcompdef _wasmgen wasmgen\nfi\n")
}

// fishQuote quotes s for fish inside single quotes.
func fishQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return strings.ReplaceAll(s, "'", `\'`)
}

func writeFish(b *strings.Builder, cmds []completionCommand) {
	b.WriteString("# fish completion for wasmgen: wasmgen completion fish > ~/.config/fish/completions/wasmgen.fish\n")
	b.WriteString("complete -c wasmgen -f\n")
	for _, c := range cmds {
		fmt.Fprintf(b, "complete -c wasmgen -n '__fish_use_subcommand' -a %s -d '%s'\n", c.name, fishQuote(c.short))
	}
	for _, c := range cmds {
		fmt.Fprintf(b, "complete -c wasmgen -n '__fish_seen_subcommand_from %s' -F\n", c.name)
		for _, f := range c.flags {
			fmt.Fprintf(b, "complete -c wasmgen -n '__fish_seen_subcommand_from %s' -l %s", c.name, f.long)
			if f.short != "" {
				fmt.Fprintf(b, " -s %s", f.short)
			}
			fmt.Fprintf(b, " -d '%s'\n", fishQuote(f.help))
		}
	}
}
