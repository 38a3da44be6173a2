#!/usr/bin/env bash
# Cross-checks wasmgen validate against Istio's own tools on the hand-written corpus
# (validate/testdata/manifests): every error `istioctl validate -f` or `istioctl
# analyze --use-kube=false` reports on a file, wasmgen must report too in the same
# document (every istioctl warning beyond IST0133's boilerplate: at least a warning).
# Then prints which of the issue's ten faults each tool fails, and checks that
# wasmgen fails all of them (fault10, a deprecated name, is a warning: --strict).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${WASMGEN_ISTIOCTL:?run via scripts/test.sh or eval \"\$(scripts/tools.sh)\"}"
corpus=validate/testdata/manifests
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/wasmgen" ./cmd/wasmgen

# docs FILE: one line per document, "INDEX START-LINE KIND NAME" (YAML; a JSON
# file is one document), the way istioctl names and counts them.
docs() {
	awk '
		function flush() { if (started) print n, start, (kind == "" ? "-" : kind), (name == "" ? "-" : name); }
		/^---/ { flush(); if (started) n++; started = 0; kind = ""; name = ""; meta = 0; next }
		/^[ \t]*(#.*)?$/ { next }
		{ if (!started) { started = 1; start = FNR } }
		/^kind:/ { kind = $2 }
		/^metadata:/ { meta = 1; next }
		/^[^ ]/ { meta = 0 }
		meta && /^  name:/ && name == "" { name = $2 }
		END { flush() }' n=0 "$1"
}
docOfLine() { awk -v l="$2" '$2 <= l { d = $1 } END { print d + 0 }' "$1"; }
docOfName() { awk -v k="$2" -v nm="$3" '$3 == k && $4 == nm { print $1; exit }' "$1"; }

# istioFindings FILE: "SEVERITY DOC TOOL MESSAGE" for each istioctl finding.
istioFindings() {
	local f=$1 d=$tmp/docs
	"$WASMGEN_ISTIOCTL" validate -f "$f" >"$tmp/iv.out" 2>&1 || true
	"$WASMGEN_ISTIOCTL" analyze --use-kube=false "$f" >"$tmp/ia.out" 2>&1 || true
	# validate: "\t* Kind/ns/name: message" under "has warnings:" or "Error: N errors occurred:".
	awk '/has warnings:/ { s = "warning" } /^Error: / { s = "error" }
		/^\t\* / { sub(/^\t\* /, ""); ref = $1; sub(/:$/, "", ref); $1 = ""; sub(/^ /, ""); print s, ref, $0 }' "$tmp/iv.out" |
		while read -r sev ref msg; do
			case $msg in "EnvoyFilter exposes internal implementation details"*) continue ;; esac
			IFS=/ read -r kind _ name <<<"$ref"
			echo "$sev $(docOfName "$d" "$kind" "$name") validate $msg"
		done
	# analyze: "Error [IST0106] (Kind ns/name file:line) message", and documents it
	# could not parse: "error processing FILE[N]: message".
	sed -n 's/^\(Error\|Warning\) \[\(IST[0-9]*\)\] (\([^ ]*\) [^/ ]*\/\([^ ]*\) [^)]*) \(.*\)/\1 \3 \4 \2 \5/p' "$tmp/ia.out" |
		while read -r sev kind name code msg; do
			[ "$code" = IST0133 ] && [[ $msg == *"exposes internal implementation details"* ]] && continue
			echo "${sev,,} $(docOfName "$d" "$kind" "$name") analyze [$code] $msg"
		done
	sed -n 's/^\t\* error processing [^[]*\[\([0-9]*\)\]: \(.*\) - skipping$/\1 \2/p; s/^\t\* error processing [^[]*\[\([0-9]*\)\]: \(.*\)$/\1 \2/p' "$tmp/ia.out" | sort -u |
		while read -r doc msg; do
			# Not a Kubernetes resource (an Envoy bootstrap): istioctl cannot read it, which says nothing about it.
			[[ $msg == *"no group, version and kind"* ]] && continue
			echo "error $doc analyze $msg"
		done
}

missing=0
checked=0
printf '%-35s %-3s %-8s %-7s %-22s %-13s %s\n' file doc istioctl finding "wasmgen" "matched by" "istioctl's message"
for f in "$corpus"/*.yaml "$corpus"/*.json; do
	b=$(basename "$f")
	docs "$f" >"$tmp/docs"
	(cd "$corpus" && "$tmp/wasmgen" validate "$b" >"$tmp/wg.out" 2>/dev/null) || true
	# wasmgen findings: "SEVERITY DOC LINE:COL CODE MESSAGE".
	sed -n 's/^[^:]*:\([0-9]*\):\([0-9]*\): \(error\|warning\): \(.*\) \[\([A-Z0-9]*\)\]$/\3 \1 \2 \5 \4/p; s/^[^:]*:\([0-9]*\): \(error\|warning\): \(.*\) \[\([A-Z0-9]*\)\]$/\2 \1 0 \4 \3/p' "$tmp/wg.out" |
		while read -r sev line col code msg; do echo "$sev $(docOfLine "$tmp/docs" "$line") $line:$col $code $msg"; done >"$tmp/wg.found"
	istioFindings "$f" >"$tmp/istio.found"
	while read -r sev doc tool msg; do
		checked=$((checked + 1))
		if [ "$sev" = error ]; then want='^error '; else want='^(error|warning) '; fi
		# The same message (Istio's text, which wasmgen reuses) if there is one, else
		# any finding of that severity in the document.
		core=$(sed -E 's/^\[IST[0-9]+\] //; s/^(Envoy filter|cannot parse proto message|Schema validation error|failed parsing JSON for built-in type): //; s/^can.t unmarshal Any nested proto [^:]*: //' <<<"$msg" | cut -c1-40)
		match=$(grep -E "$want$doc " "$tmp/wg.found" | grep -F -- "$core" | head -1 | cut -d' ' -f1,3,4 || true)
		how="same message"
		if [ -z "$match" ]; then
			match=$({ grep "^error $doc " "$tmp/wg.found"; grep -E "$want$doc " "$tmp/wg.found"; } | head -1 | cut -d' ' -f1,3,4 || true)
			how="same document"
		fi
		if [ -z "$match" ]; then
			missing=$((missing + 1))
			match="MISSING" how=""
		fi
		printf '%-35s %-3s %-8s %-7s %-22s %-13s %s\n' "$b" "$doc" "$tool" "$sev" "$match" "$how" "$(cut -c1-60 <<<"$msg")"
	done <"$tmp/istio.found"
done

# The issue's ten faults: which tools fail them (exit status non-zero)?
echo
printf '%-34s %-22s %-22s %-10s %s\n' fault "istioctl validate" "istioctl analyze" wasmgen "wasmgen --strict"
iv=0 ia=0 wg=0 ws=0
verdict() { # exit-status warnings-file
	if [ "$1" != 0 ]; then echo "fails (exit $1)"; elif [ "$2" -gt 0 ]; then echo "warns, exit 0"; else echo "passes, exit 0"; fi
}
for f in "$corpus"/fault[0-9][0-9]-*.yaml; do
	b=$(basename "$f")
	r=0; "$WASMGEN_ISTIOCTL" validate -f "$f" >"$tmp/iv.out" 2>&1 || r=$?
	w=$(awk '/^\t\* / && !/exposes internal implementation details/ { n++ } END { print n + 0 }' "$tmp/iv.out")
	[ "$r" = 0 ] || iv=$((iv + 1)); v1=$(verdict "$r" "$w")
	r=0; "$WASMGEN_ISTIOCTL" analyze --use-kube=false "$f" >"$tmp/ia.out" 2>&1 || r=$?
	w=$(grep -Ec '^(Error|Warning|Info) \[' "$tmp/ia.out" || true)
	[ "$r" = 0 ] || ia=$((ia + 1)); v2=$(verdict "$r" "$w")
	r=0; (cd "$corpus" && "$tmp/wasmgen" validate "$b" >"$tmp/wg.out" 2>/dev/null) || r=$?
	[ "$r" = 0 ] || wg=$((wg + 1))
	if [ "$r" != 0 ]; then v3="error"; elif grep -q ': warning: ' "$tmp/wg.out"; then v3="warning"; else v3="passes"; fi
	r=0; (cd "$corpus" && "$tmp/wasmgen" validate --strict "$b" >/dev/null 2>&1) || r=$?
	[ "$r" = 0 ] || ws=$((ws + 1))
	printf '%-34s %-22s %-22s %-10s exit %s\n' "$b" "$v1" "$v2" "$v3" "$r"
done
echo "fail: istioctl validate $iv/10, istioctl analyze $ia/10, wasmgen $wg/10, wasmgen --strict $ws/10"
echo

fail=0
[ "$checked" -gt 0 ] || { echo "crosscheck: istioctl reported nothing on the corpus; is the parsing of its output out of date?"; fail=1; }
[ "$missing" = 0 ] || { echo "crosscheck: wasmgen misses $missing of the $checked istioctl findings above"; fail=1; }
[ "$wg" -ge 9 ] && [ "$ws" = 10 ] || { echo "crosscheck: wasmgen must fail 9 faults, and all 10 with --strict"; fail=1; }
[ "$fail" = 0 ] || exit 1
echo "crosscheck: wasmgen reports all $checked istioctl findings on the corpus, and fails $ws/10 faults with --strict ($wg without)"
