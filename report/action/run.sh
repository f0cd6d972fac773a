#!/usr/bin/env bash
# The shell logic of the patchcheck GitHub Action (action.yml at the root of
# the repository). Inputs arrive only as environment variables, never by
# expression interpolation into the script:
#
#   PATCHCHECK_MBOX       path of an mbox to check instead of the PR's commits
#   PATCHCHECK_REPO       repository to read commits from (default: GITHUB_WORKSPACE)
#   PATCHCHECK_BASE       the PR's base: the base branch's tip, which may have
#                         moved on since the PR branched off; the range
#                         checked starts at the merge base of base and head
#   PATCHCHECK_HEAD       head commit of the range (the PR's head SHA)
#   PATCHCHECK_FETCH      true: fetch from origin what the range needs when it
#                         is missing from a shallow clone (default false)
#   PATCHCHECK_COMMITS    commits in the PR (a hint for the fetch depth)
#   PATCHCHECK_ARTIFACT   artifact name; default patchcheck-report-<job>[-<matrix hash>]
#   PATCHCHECK_MATRIX     the job's matrix values as JSON (toJSON(matrix)), "null"
#                         outside a matrix
#   PATCHCHECK_SEED       seed of the simulation (default 1)
#   PATCHCHECK_FAIL_ON    fail | inconclusive | never: which verdicts fail the step
#   PATCHCHECK_BIN        a prebuilt patchcheck; when unset it is built from
#                         the action's own source (GITHUB_ACTION_PATH)
#
# Usage: run.sh check     build, run, write the job summary and step outputs
#        run.sh verdict   exit non-zero when the verdict fails the step
#
# Patch text never reaches the log as commands: the text report is printed
# between ::stop-commands:: markers with a random token, and the annotations
# patchcheck prints are escaped workflow commands.
set -euo pipefail

die() {
	# An error message may quote an input: keep it from being a command.
	local token
	token=$(random_token)
	echo "::stop-commands::$token"
	echo "patchcheck action: $*" >&2
	echo "::$token::"
	echo "::error title=patchcheck::${1//[$'\r\n%']/ }"
	exit 2
}

random_token() {
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

output() { # name value
	if [ -n "${GITHUB_OUTPUT:-}" ]; then
		printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
	fi
}

# merge_base sets MERGE_BASE to the merge base of base and head in repo. The base of
# a pull request is its base branch's tip: when that has moved on since the
# branch was made, base..head is not a first-parent range, while
# merge-base..head is exactly the PR's commits. With PATCHCHECK_FETCH=true a
# shallow clone is deepened from origin until the merge base is there.
merge_base() { # repo base head
	local repo="$1" base="$2" head="$3" depth
	git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 || die "repository is not a git repository"
	if MERGE_BASE=$(git -C "$repo" merge-base "$base" "$head" 2>/dev/null); then
		return
	fi
	[ "${PATCHCHECK_FETCH:-false}" = true ] || die "the merge base of base and head is not in the repository: fetch them (see the shallow-fetch recipe in docs/reports.md), or set the fetch input"
	local commits="${PATCHCHECK_COMMITS:-}"
	[[ "$commits" =~ ^[0-9]+$ ]] || commits=50
	# The head with its PR commits and one more (the merge base when the
	# branch is linear), the base tip alone; then both deeper until the
	# histories meet, doubling, at most PATCHCHECK_MAX_DEEPEN commits.
	depth=$((commits + 1))
	git -C "$repo" fetch --no-tags --quiet --depth="$depth" origin "$head" >&2 || die "fetching head from origin failed"
	git -C "$repo" fetch --no-tags --quiet --depth=1 origin "$base" >&2 || die "fetching base from origin failed"
	local deepen=64 max="${PATCHCHECK_MAX_DEEPEN:-16384}"
	[[ "$max" =~ ^[0-9]+$ ]] || max=16384
	until MERGE_BASE=$(git -C "$repo" merge-base "$base" "$head" 2>/dev/null); do
		[ "$(git -C "$repo" rev-parse --is-shallow-repository)" = true ] || die "base and head have no common ancestor"
		[ "$deepen" -le "$max" ] || die "no merge base of base and head within $max commits of history: check out with fetch-depth: 0"
		git -C "$repo" fetch --no-tags --quiet --deepen="$deepen" origin "$base" "$head" >&2 || die "deepening the clone failed"
		deepen=$((deepen * 2))
	done
}

# artifact_name is a name that differs between the jobs of a matrix (an
# upload under a name another job used fails): the job id and, in a
# matrix, a short hash of the job's matrix values, which differ between its
# jobs. (strategy.job-index is not used: inside a composite action it is not
# the calling job's index.)
artifact_name() {
	local name="${PATCHCHECK_ARTIFACT:-}"
	if [ -z "$name" ]; then
		name="patchcheck-report-${GITHUB_JOB:-job}"
		local matrix="${PATCHCHECK_MATRIX:-}"
		if [ -n "$matrix" ] && [ "$matrix" != null ]; then
			name="$name-$(printf '%s' "$matrix" | sha256sum | cut -c1-8)"
		fi
	fi
	# upload-artifact refuses " : < > | * ? \ / CR LF; keep a plain name.
	printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '-'
}

check() {
	local out bin status verdict
	out="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/patchcheck-report"
	rm -rf "$out"
	mkdir -p "$out"

	bin="${PATCHCHECK_BIN:-}"
	if [ -z "$bin" ]; then
		[ -n "${GITHUB_ACTION_PATH:-}" ] || die "GITHUB_ACTION_PATH is not set: run this from action.yml, or set PATCHCHECK_BIN"
		bin="$out/patchcheck"
		(cd "$GITHUB_ACTION_PATH" && go build -trimpath -o "$bin" ./cmd/patchcheck) || die "building patchcheck failed"
	fi

	local seed="${PATCHCHECK_SEED:-1}"
	[[ "$seed" =~ ^[0-9]+$ ]] || die "seed must be a number"

	local -a input
	local range=""
	if [ -n "${PATCHCHECK_MBOX:-}" ]; then
		[ -f "$PATCHCHECK_MBOX" ] || die "mbox input is not a file"
		input=("$PATCHCHECK_MBOX")
	else
		local base="${PATCHCHECK_BASE:-}" head="${PATCHCHECK_HEAD:-}"
		[ -n "$base" ] && [ -n "$head" ] || die "no input: set the mbox input, or run on a pull_request event (base and head commits)"
		# Only commit ids: nothing else from the event reaches the command.
		[[ "$base" =~ ^[0-9a-f]{7,64}$ ]] || die "base is not a commit id"
		[[ "$head" =~ ^[0-9a-f]{7,64}$ ]] || die "head is not a commit id"
		local repo="${PATCHCHECK_REPO:-${GITHUB_WORKSPACE:-.}}"
		merge_base "$repo" "$base" "$head"
		range="$MERGE_BASE..$head"
		input=(--git "$repo" "$range")
	fi

	status=0
	"$bin" --seed "$seed" \
		--output "$out/report.txt" \
		--output "$out/report.md" \
		--output "$out/report.json" \
		--output "$out/report.sarif" \
		--output "$out/report.html" \
		--output "$out/report.annotations" \
		"${input[@]}" >"$out/stdout.txt" 2>"$out/stderr.txt" || status=$?

	case "$status" in
	0) verdict=pass ;;
	1) verdict=fail ;;
	3) verdict=inconclusive ;;
	*) verdict=error ;;
	esac

	# What patchcheck printed may quote the patch: no commands from it.
	local token
	token=$(random_token)
	echo "::stop-commands::$token"
	for f in "$out/report.txt" "$out/stderr.txt"; do
		[ -s "$f" ] && cat "$f"
	done
	echo "::$token::"

	# The annotations are patchcheck's own, escaped workflow commands.
	if [ "$verdict" != error ] && [ -s "$out/report.annotations" ]; then
		cat "$out/report.annotations"
	fi
	if [ "$verdict" = error ]; then
		echo "::error title=patchcheck::patchcheck could not check the input (exit status $status); its messages are above"
	fi

	if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -s "$out/report.md" ]; then
		cat "$out/report.md" >>"$GITHUB_STEP_SUMMARY"
	fi

	output verdict "$verdict"
	output exit-code "$status"
	output report-dir "$out"
	output artifact-name "$(artifact_name)"
	output range "$range"
	if [ -s "$out/report.sarif" ]; then
		output sarif "$out/report.sarif"
	else
		output sarif ""
	fi
}

verdict() {
	local v="${PATCHCHECK_VERDICT:-error}" policy="${PATCHCHECK_FAIL_ON:-fail}"
	case "$policy" in
	fail | inconclusive | never) ;;
	*) echo "::error title=patchcheck::fail-on must be fail, inconclusive or never"; exit 2 ;;
	esac
	echo "patchcheck verdict: $v"
	case "$v" in
	error) exit 2 ;;
	fail) [ "$policy" = never ] || exit 1 ;;
	inconclusive) [ "$policy" = inconclusive ] && exit 1 ;;
	esac
	exit 0
}

case "${1:-}" in
check) check ;;
verdict) verdict ;;
*) echo "usage: run.sh check|verdict" >&2; exit 2 ;;
esac
