#!/usr/bin/env bash
# bench/run.sh: the performance evidence of patchcheck in one table.
#
# Runs the Go benchmarks of every package and the command end to end on
# every seed and variant fixture, and prints one table: name, wall time,
# CPU time (user+sys), peak RSS, states explored and states per second.
#
#   bench/run.sh                 everything
#   BENCH_PKGS="./sim/..." bench/run.sh     only these packages' benchmarks
#   BENCH_SKIP_GO=1 bench/run.sh            end-to-end runs only
#
# Wall, CPU and RSS of an end-to-end run come from GNU time when it is
# installed, otherwise from the child's rusage via bench/measure (nothing
# is installed). For Go benchmarks the wall column is ns/op; CPU, RSS and
# states are filled where the benchmark reports them (cpu-s/op, peak-B,
# states, states/s). Figures on a shared machine vary between runs: the
# load average is printed with the table.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/patchcheck" ./cmd/patchcheck
go build -o "$work/measure" ./bench/measure

rows=()
row() { rows+=("$(printf '%-66s %12s %10s %10s %10s %12s %12s' "$@")"); }

# --- Go benchmarks -------------------------------------------------------
# Heavy packages run each benchmark once (-benchtime 1x): their iterations
# take seconds. The others get a short time budget.
if [[ -z "${BENCH_SKIP_GO:-}" ]]; then
	pkgs=${BENCH_PKGS:-$(go list ./... | sed "s|^$(go list -m)|.|")}
	for pkg in $pkgs; do
		case $pkg in
		./sim/explore | ./sim/timed | ./semantics/compile | ./cmd/patchcheck) bt=1x ;;
		*) bt=300ms ;;
		esac
		out=$(go test -run '^$' -bench . -benchmem -benchtime "$bt" "$pkg" 2>&1) || {
			echo "benchmarks of $pkg failed:" >&2
			echo "$out" >&2
			continue
		}
		grep -E '^BenchmarkSeedScale/' <<<"$out" >>"$work/scale" || true
		while read -r line; do
			# BenchmarkName-2  N  123 ns/op  4.5 states/s  ...
			set -- $line
			name=${1%-*}
			shift 2
			ns="" cpu="-" rss="-" states="-" rate="-" cpurate="-" incomplete=""
			while [[ $# -ge 2 ]]; do
				case $2 in
				ns/op) ns=$1 ;;
				cpu-s/op) cpu=$(printf '%.3fs' "$1") ;;
				peak-B) rss=$(awk -v b="$1" 'BEGIN{printf "%.1fMB", b/1e6}') ;;
				heap-MB) rss=$(printf '%.1fMB' "$1") ;;
				states) states=$(printf '%.0f' "$1") ;;
				states/s) rate=$(printf '%.0f' "$1") ;;
				states/cpu-s) cpurate=$(printf '%.0f' "$1") ;;
				complete) [[ $1 == 0 ]] && incomplete="*" ;;
				esac
				shift 2
			done
			[[ -z $ns ]] && continue
			wall=$(awk -v n="$ns" 'BEGIN{ if (n >= 1e9) printf "%.2fs", n/1e9; else if (n >= 1e6) printf "%.2fms", n/1e6; else if (n >= 1e3) printf "%.1fus", n/1e3; else printf "%.0fns", n }')
			row "${pkg#./}.${name#Benchmark}" "$wall" "$cpu" "$rss" "$states$incomplete" "$rate" "$cpurate"
		done < <(grep -E '^Benchmark' <<<"$out")
	done
fi

# --- end to end ------------------------------------------------------------
for f in fixtures/seed/*.mbox fixtures/seed/*.txt fixtures/variants/*.mbox; do
	json=$work/out.json
	if [[ -x /usr/bin/time ]] && /usr/bin/time -f '' true 2>/dev/null; then
		/usr/bin/time -o "$work/time" -f '%e %U %S %M %x' "$work/patchcheck" --format json "$f" >"$json" 2>/dev/null || true
		read -r wall usr sys rss code < <(tail -1 "$work/time")
		cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
	else
		read -r wall cpu rss code < <("$work/measure" run "$json" "$work/patchcheck" --format json "$f")
	fi
	if [[ $code -eq 2 ]]; then
		echo "patchcheck $f: exit 2" >&2
		continue
	fi
	states=$("$work/measure" states "$json")
	rate=$(awk -v s="$states" -v w="$wall" 'BEGIN{ if (w > 0) printf "%.0f", s/w; else print "-" }')
	cpurate=$(awk -v s="$states" -v c="$cpu" 'BEGIN{ if (c > 0) printf "%.0f", s/c; else print "-" }')
	row "patchcheck $f (exit $code)" "${wall}s" "${cpu}s" "$(awk -v k="$rss" 'BEGIN{printf "%.1fMB", k/1024}')" "$states" "$rate" "$cpurate"
done

printf '%-66s %12s %10s %10s %10s %12s %12s\n' "fixture / benchmark" "wall" "cpu" "peak RSS" "states" "states/s" "states/cpu-s"
printf '%s\n' "${rows[@]}"
echo
echo "wall: ns/op for Go benchmarks. peak RSS: the process's for end-to-end runs; for Go benchmarks the"
echo "explorer's own accounting of its state store (peak-B) where reported. states: end to end, summed over"
echo "the report's property rows; * marks an exploration that stopped at its budget (incomplete)."

# --- summary: the goals of issue 14 ---------------------------------------
# Ratio to checkpatch.pl: the default validation of the seed (patchcheck
# FILE, the text report) against checkpatch.pl --no-tree on the same file,
# BENCH_RATIO_RUNS alternating runs of each (default 5), medians of wall
# time and of CPU time (user+sys): patchcheck runs its explorations and
# timed sets on every core, so on an idle machine its wall time is below its
# CPU time, and on a loaded one the two meet. checkpatch.pl is $CHECKPATCH,
# or is extracted from the Debian linux-source tarball when that is
# installed.
seed=fixtures/seed/arm64-kexec-smp-send-stop.mbox
checkpatch=${CHECKPATCH:-}
if [[ -z $checkpatch ]] && [[ -f /usr/src/linux-source-6.12.tar.xz ]] && command -v perl >/dev/null; then
	tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$work" linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt linux-source-6.12/scripts/const_structs.checkpatch 2>/dev/null &&
		checkpatch=$work/linux-source-6.12/scripts/checkpatch.pl
fi
runtimes() { # command...: wall and CPU seconds (user+sys) of one run
	"$work/measure" run /dev/null "$@" 2>/dev/null | cut -d' ' -f1,2
}
echo "summary (issue 14 goals):"
if [[ -n $checkpatch ]]; then
	pw=() pc=() cw=() cp=()
	for _ in $(seq "${BENCH_RATIO_RUNS:-5}"); do
		read -r w c < <(runtimes "$work/patchcheck" "$seed")
		pw+=("$w") pc+=("$c")
		read -r w c < <(runtimes perl "$checkpatch" --no-tree "$seed")
		cw+=("$w") cp+=("$c")
	done
	median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN{print (b > 0) ? a/b : 0}'; }
	mpw=$(median "${pw[@]}") mcw=$(median "${cw[@]}") mp=$(median "${pc[@]}") mc=$(median "${cp[@]}")
	printf '  ratio to checkpatch.pl --no-tree (seed, wall medians of %d runs): %.2f (patchcheck %.3fs, checkpatch.pl %.3fs)\n' \
		"${#pw[@]}" "$(ratio "$mpw" "$mcw")" "$mpw" "$mcw"
	printf '  ratio to checkpatch.pl --no-tree (seed, CPU medians of %d runs): %.2f (patchcheck %.3fs, checkpatch.pl %.3fs)\n' \
		"${#pc[@]}" "$(ratio "$mp" "$mc")" "$mp" "$mc"
else
	echo "  ratio to checkpatch.pl: not measured (set CHECKPATCH=path/to/checkpatch.pl)"
fi
# The explorer's figures come from BenchmarkSeedScale (semantics/compile).
if [[ -s $work/scale ]]; then
	awk '
	{
		split($1, p, "/"); prog = p[2]; n = p[3]; sub(/^N=/, "", n); sub(/-[0-9]+$/, "", n)
		for (i = 3; i < NF; i += 2) v[$(i+1)] = $i
		states = v["states"]; cpu = v["cpu-s/op"]; peak = v["peak-B"]; done = v["complete"]
		if (prog == "after" && n == 16 && cpu > 0) printf "  states per CPU-second, AFTER N=16: %.0f (%d states in %.3fs)\n", states/cpu, states, cpu
		if (prog == "after" && n == 64 && states > 0) printf "  bytes per stored state, AFTER N=64: %.0f (explorer tables %.1f MB for %d states%s)\n", peak/states, peak/1e6, states, done ? "" : ", incomplete"
		if (done == 1 && n+0 > best[prog]) best[prog] = n+0
		if (done != 1 && (first[prog] == "" || n+0 < first[prog])) first[prog] = n+0
	}
	END {
		for (prog in best) printf "  largest N explored exhaustively, %s: %d%s\n", toupper(prog), best[prog], (first[prog] != "") ? sprintf(" (N=%d stops at a budget)", first[prog]) : ""
	}' "$work/scale" | sort
else
	echo "  explorer figures: not measured (BenchmarkSeedScale did not run: BENCH_SKIP_GO or BENCH_PKGS without ./semantics/compile)"
fi
echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3)"
