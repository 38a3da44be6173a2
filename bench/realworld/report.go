package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Row is one file's expectation and what the checkers said.
type Row struct {
	Exp      Expectation
	Era      Verdict // ERAS.tsv's verdict
	Wasmgen  Outcome
	Istioctl *Outcome // nil unless istioctl ran; Verdict "" where it cannot check the file
}

// Result of a row against its expectation.
const (
	Agree     = "agree"
	Disagree  = "DISAGREE" // the verdict is not the expected one
	WrongCode = "CODES"    // the verdict is, the error codes are not
	WrongWarn = "WARNINGS" // the verdict and errors are, the pinned warnings are not
	NoVerdict = "ERROR"    // wasmgen could not judge the file
)

func (r Row) Result() string {
	w := r.Wasmgen
	switch {
	case w.Err != "":
		return NoVerdict
	case w.Verdict != r.Exp.Expect:
		return Disagree
	case !r.Exp.Errors.Match(w.Errors):
		return WrongCode
	case !r.Exp.Warnings.Match(w.Warnings):
		return WrongWarn
	}
	return Agree
}

// Figures compares a checker's verdicts with the real consumer's.
type Figures struct {
	Files           int // files with a verdict from the checker
	Agree           int
	WorkingRejected int // the consumer accepts the file, the checker rejects it
	BrokenPassed    int // the consumer rejects or drops part of it, the checker passes it
}

func (f *Figures) add(consumer, got Verdict) {
	f.Files++
	switch {
	case consumer == got:
		f.Agree++
	case consumer == OK:
		f.WorkingRejected++
	default:
		f.BrokenPassed++
	}
}

func (f Figures) String() string {
	return fmt.Sprintf("%d of %d verdicts agree; %s rejected; %s passed",
		f.Agree, f.Files, count(f.WorkingRejected, "working file"), count(f.BrokenPassed, "broken file"))
}

// Summary is the report's bottom line.
type Summary struct {
	Rows        int
	Wasmgen     Figures
	NoVerdict   int // wasmgen could not judge the file
	MeetExpect  int // rows whose Result is Agree
	EraDiffers  int // rows whose consumer verdict differs from ERAS.tsv's (argued in the reason)
	Istioctl    *Figures
	IstioctlAll Figures        // istioctl counted as its exit status reads, on every file
	NotChecked  map[string]int // files istioctl cannot check, by kind folder
}

func summarize(rows []Row) Summary {
	s := Summary{Rows: len(rows)}
	for _, r := range rows {
		if r.Wasmgen.Err == "" {
			s.Wasmgen.add(r.Exp.Consumer, r.Wasmgen.Verdict)
		} else {
			s.NoVerdict++
		}
		if r.Result() == Agree {
			s.MeetExpect++
		}
		if r.Exp.Consumer != r.Era {
			s.EraDiffers++
		}
		if r.Istioctl == nil {
			continue
		}
		if s.Istioctl == nil {
			s.Istioctl = &Figures{}
			s.NotChecked = map[string]int{}
		}
		if r.Istioctl.Verdict == "" {
			s.NotChecked[kindOf(r.Exp.File)]++
			s.IstioctlAll.add(r.Exp.Consumer, OK) // it says "is valid"
			continue
		}
		s.Istioctl.add(r.Exp.Consumer, r.Istioctl.Verdict)
		s.IstioctlAll.add(r.Exp.Consumer, r.Istioctl.Verdict)
	}
	return s
}

// kindOf is the file's folder in the shared layout (bootstrap, envoyfilter, …).
func kindOf(file string) string {
	k, _, ok := strings.Cut(file, "/")
	if !ok {
		return "other"
	}
	return k
}

// Failed reports whether a strict run fails: a row that does not meet its
// expectation.
func (s Summary) Failed() bool { return s.MeetExpect != s.Rows }

// writeReport prints the table, the reasons of the rows that do not meet
// their expectation, and the figures. The order is the rows' order, so the
// output is the same on every run.
func writeReport(w io.Writer, rows []Row, expName string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	istioctl := len(rows) > 0 && rows[0].Istioctl != nil
	head := "#\tistio\tconsumer\texpect\twasmgen\t"
	if istioctl {
		head += "istioctl\t"
	}
	fmt.Fprintln(tw, head+"result\terrors expected → got\tfile")
	for i, r := range rows {
		got := r.Wasmgen.Verdict
		codes := r.Exp.Errors.String() + " → " + codeList(r.Wasmgen.Errors)
		if r.Wasmgen.Err != "" {
			got, codes = "-", r.Exp.Errors.String()+" → (no verdict)"
		}
		line := fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t", i+1, r.Exp.Istio, r.Exp.Consumer, r.Exp.Expect, got)
		if istioctl {
			v := string(r.Istioctl.Verdict)
			if v == "" {
				v = "n/a"
			}
			line += v + "\t"
		}
		fmt.Fprintln(tw, line+r.Result()+"\t"+codes+"\t"+r.Exp.File)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	var notes []string
	for i, r := range rows {
		switch res := r.Result(); res {
		case Agree:
		case NoVerdict:
			notes = append(notes, fmt.Sprintf("  %d %s: wasmgen gave no verdict: %s", i+1, r.Exp.File, r.Wasmgen.Err))
		case WrongWarn:
			notes = append(notes, fmt.Sprintf("  %d %s: warnings expected %s, got %s", i+1, r.Exp.File, r.Exp.Warnings, codeList(r.Wasmgen.Warnings)))
		default:
			notes = append(notes, fmt.Sprintf("  %d %s: expected %s (%s): %s", i+1, r.Exp.File, r.Exp.Expect, r.Exp.Errors, r.Exp.Reason))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\nwhy these are expected (%s):\n%s\n", expName, strings.Join(notes, "\n"))
	}

	s := summarize(rows)
	fmt.Fprintf(w, "\nwasmgen: %s", s.Wasmgen)
	if s.NoVerdict > 0 {
		fmt.Fprintf(w, "; %d files without a verdict", s.NoVerdict)
	}
	fmt.Fprintf(w, "\nwasmgen: %d of %d files meet the expectations (verdict and codes)\n", s.MeetExpect, s.Rows)
	if s.EraDiffers > 0 {
		fmt.Fprintf(w, "expectations: %d consumer verdicts differ from ERAS.tsv's, each argued from the consumer's source in %s\n", s.EraDiffers, expName)
	}
	if s.Istioctl != nil {
		fmt.Fprintf(w, "istioctl validate: %s (on the %d files with Istio kinds)\n", s.Istioctl, s.Istioctl.Files)
		var parts []string
		for _, k := range sortedKeys(s.NotChecked) {
			parts = append(parts, fmt.Sprintf("%d %s", s.NotChecked[k], k))
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "istioctl validate: cannot check %s (no Istio kind: an Envoy bootstrap, a wasme FilterDeployment or another group's CRD) and reports them as valid\n", strings.Join(parts, ", "))
			fmt.Fprintf(w, "istioctl validate, counted as its exit status reads on all files: %s\n", s.IstioctlAll)
		}
	}
	return nil
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func codeList(c []string) string {
	if len(c) == 0 {
		return "-"
	}
	return strings.Join(c, ",")
}

func sortedKeys(m map[string]int) []string { return slices.Sorted(maps.Keys(m)) }
