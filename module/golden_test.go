package module

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmgen/wasmgen/internal/testutil"
)

// TestInspectGolden pins `wasmgen inspect` output, text and JSON.
// WASMGEN_UPDATE=1 rewrites testdata/golden.
func TestInspectGolden(t *testing.T) {
	update := testutil.Update()
	mod := proxyModule(ABI021)
	notProxy := wasmModule(typeSection, section(secExport, vec(export("_start", 0, 0))))
	layoutReport := func(c imageCase) func(t *testing.T) *Report {
		return func(t *testing.T) *Report {
			dir := t.TempDir()
			writeLayout(t, dir, "example.com/filters/"+c.name+":v1", c.img(t, mod))
			rep := &Report{Path: "layouts/" + c.name, Input: "oci-layout"}
			for _, im := range readLayout(t, dir) {
				rep.Entries = append(rep.Entries, InspectImage(im))
			}
			return rep
		}
	}
	cases := map[string]func(t *testing.T) *Report{
		"wasm-proxy": func(*testing.T) *Report {
			return &Report{Path: "filter.wasm", Input: "wasm", Entries: []Entry{InspectModule(mod)}}
		},
		"wasm-not-proxy": func(*testing.T) *Report {
			return &Report{Path: "main.wasm", Input: "wasm", Entries: []Entry{InspectModule(notProxy)}}
		},
		"wasm-truncated": func(*testing.T) *Report {
			return &Report{Path: "cut.wasm", Input: "wasm", Entries: []Entry{InspectModule(mod[:40])}}
		},
		"wasme-store": func(t *testing.T) *Report {
			im, err := FromWasmeStore(wasmeStore(proxyModule(ABI010), `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000001","size":525}`))
			if err != nil {
				t.Fatal(err)
			}
			return &Report{Path: "store/5f9a", Input: "wasme-store", Entries: []Entry{InspectImage(im)}}
		},
	}
	for _, c := range imageCases {
		cases["layout-"+c.name] = layoutReport(c)
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			rep := build(t)
			var txt, js bytes.Buffer
			if err := rep.WriteText(&txt); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			for ext, got := range map[string][]byte{".txt": txt.Bytes(), ".json": js.Bytes()} {
				file := filepath.Join("testdata", "golden", name+ext)
				if update {
					if err := os.WriteFile(file, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run with WASMGEN_UPDATE=1 to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs (WASMGEN_UPDATE=1 rewrites it):\n--- got\n%s\n--- want\n%s", file, got, want)
				}
			}
		})
	}
}

func TestReportOK(t *testing.T) {
	mod := proxyModule(ABI021)
	ok := &Report{Entries: []Entry{InspectModule(mod)}}
	bad := &Report{Entries: []Entry{InspectModule(mod[:20])}}
	refused := &Report{Entries: []Entry{InspectImage(&Image{Module: mod, Problems: []string{"x"}})}}
	store := &Report{Entries: []Entry{InspectImage(&Image{Module: mod, Format: FormatWasmeStore, Note: "n"})}}
	for name, tt := range map[string]struct {
		r    *Report
		want bool
	}{"ok": {ok, true}, "bad": {bad, false}, "refused": {refused, false}, "store": {store, true}, "empty": {&Report{}, false}} {
		if got := tt.r.OK(); got != tt.want {
			t.Errorf("%s: OK() = %v", name, got)
		}
	}
}
