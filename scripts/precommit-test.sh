#!/usr/bin/env bash
# Tests the wasmgen-validate hook with the real pre-commit: a scratch repository whose
# .pre-commit-config.yaml points at this repository and revision (HEAD; with
# WASMGEN_PRECOMMIT_WORKTREE=1, a snapshot commit of the working tree, made in a
# scratch clone) must fail on a faulty manifest, naming its file:line:col, and pass
# on a clean one, both via `pre-commit run --files` and on `git commit`.
# pre-commit builds the hook with the system Go (language_version: system); only the
# Go module proxy is reached, and not at all once the module cache is warm.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
if ! command -v pre-commit >/dev/null; then
	echo "installing pre-commit (apt-get)" >&2
	if ! { apt-get update && apt-get install -y pre-commit; } >&2; then
		# A machine without Debian's registry cannot have it; say so loudly.
		echo "SKIP precommit-test: pre-commit is not installed and cannot be installed here" >&2
		exit 0
	fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PRE_COMMIT_HOME=$tmp/pre-commit-home
# pre-commit sets GOPATH to its hook env; keep the usual module cache so nothing is
# downloaded again (pre-commit deletes GOPATH/pkg after installing).
export GOMODCACHE=${GOMODCACHE:-$(go env GOMODCACHE)}
export GIT_AUTHOR_NAME=wasmgen-test GIT_AUTHOR_EMAIL=test@wasmgen.invalid
export GIT_COMMITTER_NAME=wasmgen-test GIT_COMMITTER_EMAIL=test@wasmgen.invalid

repo=$src
rev=$(git -C "$src" rev-parse HEAD)
if [ "${WASMGEN_PRECOMMIT_WORKTREE:-}" = 1 ]; then
	# Tracked and untracked (not ignored) files as they are now, committed in a clone.
	repo=$tmp/snapshot
	git clone -q "$src" "$repo"
	git -C "$src" ls-files -z --cached --others --exclude-standard |
		(cd "$src" && xargs -0 cp --parents -t "$repo" 2>/dev/null || true)
	git -C "$repo" add -A
	git -C "$repo" commit -q --allow-empty -m "working tree snapshot"
	rev=$(git -C "$repo" rev-parse HEAD)
fi
if ! git -C "$repo" cat-file -e "$rev:.pre-commit-hooks.yaml" 2>/dev/null; then
	echo "precommit-test: $rev has no .pre-commit-hooks.yaml (commit it, or set WASMGEN_PRECOMMIT_WORKTREE=1)" >&2
	exit 1
fi

work=$tmp/user-repo
git init -q "$work"
cd "$work"
cat >.pre-commit-config.yaml <<YAML
repos:
- repo: $repo
  rev: $rev
  hooks:
  - id: wasmgen-validate
    language_version: system
YAML
git add .pre-commit-config.yaml
fail() { echo "precommit-test: $*" >&2; exit 1; }

# A faulty EnvoyFilter: the hook fails and names the file, line and column.
mkdir -p mesh
cp "$src/validate/testdata/manifests/fault06-unknown-runtime.yaml" mesh/bad.yaml
want=$(sed -n 's/^fault06-unknown-runtime\.yaml\(:[0-9]*:[0-9]*: error: \).*/mesh\/bad.yaml\1/p' \
	"$src/validate/testdata/manifests/fault06-unknown-runtime.golden" | head -1)
[ -n "$want" ] || fail "no error line in fault06-unknown-runtime.golden"
git add mesh/bad.yaml
echo "pre-commit run --files mesh/bad.yaml (builds the hook once)"
if pre-commit run --files mesh/bad.yaml >"$tmp/bad.out" 2>&1; then
	cat "$tmp/bad.out"; fail "the hook passed a faulty manifest"
fi
if grep -q 'An unexpected error has occurred' "$tmp/bad.out"; then
	cat "$tmp/bad.out"; fail "pre-commit could not install the hook from $rev (does that commit build?)"
fi
grep -qF "$want" "$tmp/bad.out" || { cat "$tmp/bad.out"; fail "hook output lacks \"$want\""; }
grep -q 'Failed' "$tmp/bad.out" || { cat "$tmp/bad.out"; fail "pre-commit did not report the hook as failed"; }
echo "  failed as expected: $(grep -F "$want" "$tmp/bad.out" | cut -c1-100)…"

# A clean one (and a file of another kind, which is skipped): the hook passes.
cp "$src/validate/testdata/manifests/clean-wasm-envoyfilter.yaml" mesh/good.yaml
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n' >mesh/other.yaml
git add mesh/good.yaml mesh/other.yaml
echo "pre-commit run --files mesh/good.yaml mesh/other.yaml"
pre-commit run --files mesh/good.yaml mesh/other.yaml >"$tmp/good.out" 2>&1 ||
	{ cat "$tmp/good.out"; fail "the hook failed on a clean manifest"; }
grep -q 'Passed' "$tmp/good.out" || { cat "$tmp/good.out"; fail "pre-commit did not report the hook as passed"; }
echo "  passed"

# As a git hook: the commit with the faulty file is refused, without it it goes in.
pre-commit install >/dev/null
echo "git commit with mesh/bad.yaml staged"
if git commit -q -m "bad" >"$tmp/commit.out" 2>&1; then
	cat "$tmp/commit.out"; fail "git commit accepted a faulty manifest"
fi
grep -qF "$want" "$tmp/commit.out" || { cat "$tmp/commit.out"; fail "commit hook output lacks \"$want\""; }
echo "  refused"
git rm -q --cached mesh/bad.yaml
git commit -q -m "good" >"$tmp/commit.out" 2>&1 || { cat "$tmp/commit.out"; fail "git commit refused clean manifests"; }
echo "  clean commit accepted"
echo "precommit-test: ok"
