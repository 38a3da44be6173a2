package diag

import (
	"bytes"
	"encoding/json"
	"testing"
)

var sample = List{
	{Pos: Pos{File: "a.yaml", Line: 3, Col: 5}, Path: "spec.url", Severity: Error, Code: "IST0106", Msg: "url field needs to be set"},
	{Pos: Pos{File: "b,c.yaml", Line: 7}, Severity: Warning, Code: "WG7051", Msg: "100% deprecated\nsecond line", Hint: `did you mean "x"?`},
	{Pos: Pos{}, Severity: Info, Msg: "note"},
}

func TestWrite(t *testing.T) {
	tests := []struct {
		format, want string
	}{
		{"text", "a.yaml:3:5: error: spec.url: url field needs to be set [IST0106]\n" +
			"b,c.yaml:7: warning: 100% deprecated\nsecond line; did you mean \"x\"? [WG7051]\n" +
			"-: info: note\n"},
		{"", "a.yaml:3:5: error: spec.url: url field needs to be set [IST0106]\n" +
			"b,c.yaml:7: warning: 100% deprecated\nsecond line; did you mean \"x\"? [WG7051]\n" +
			"-: info: note\n"},
		{"github", "::error file=a.yaml,line=3,col=5,title=IST0106::spec.url: url field needs to be set [IST0106]\n" +
			"::warning file=b%2Cc.yaml,line=7,title=WG7051::100%25 deprecated%0Asecond line; did you mean \"x\"? [WG7051]\n" +
			"::notice::note\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := Write(&b, tt.format, sample); err != nil {
			t.Fatalf("%s: %v", tt.format, err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.format, b.String(), tt.want)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "json", sample); err != nil {
		t.Fatal(err)
	}
	want := `[
  {
    "file": "a.yaml",
    "line": 3,
    "column": 5,
    "severity": "error",
    "code": "IST0106",
    "field": "spec.url",
    "message": "url field needs to be set"
  },
  {
    "file": "b,c.yaml",
    "line": 7,
    "column": 0,
    "severity": "warning",
    "code": "WG7051",
    "field": "",
    "message": "100% deprecated\nsecond line",
    "hint": "did you mean \"x\"?"
  },
  {
    "file": "",
    "line": 0,
    "column": 0,
    "severity": "info",
    "code": "",
    "field": "",
    "message": "note"
  }
]
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	var back []map[string]any
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back) != 3 {
		t.Errorf("output is not a JSON array of 3: %v", err)
	}
}

func TestWriteEmptyAndUnknown(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "json", nil); err != nil || b.String() != "[]\n" {
		t.Errorf("empty json = %q, %v; want []", b.String(), err)
	}
	b.Reset()
	if err := Write(&b, "text", nil); err != nil || b.Len() != 0 {
		t.Errorf("empty text = %q, %v", b.String(), err)
	}
	if err := Write(&b, "xml", sample); err == nil {
		t.Error("unknown format: want an error")
	}
}
