#!/usr/bin/env bash
# What recording adds to a run's wall time (issue #7 target: at most 15 %). Two modes; both alternate a run without
# and a run with recording, PAIRS times, as separate processes (on a shared VM the speed drifts by several per cent
# over minutes, and processes differ from one another by more than the effect), and print the median overhead.
#
#   perf/recording-overhead.sh run [DURATION=500ms] [PAIRS=5] [TARGET=/dev/null]
#       `hwemu run --duration DURATION` without / with `--trace TARGET`: wall time including start-up and JIT.
#       TARGET=/dev/null measures the recorder (encode, frame, checksum, hand-off); a file path adds what the OS
#       charges for storing about 35 bytes per record (a fresh file each run).
#   perf/recording-overhead.sh steady [PAIRS=8]
#       The default scenario's machine warmed up, then 10 x 500 000 DMA transactions timed, without / with a
#       recorder writing to a null stream (perf/HwEmu.Perf recording-pair): ns per transaction, steady state.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
report() { # unit, then the two arrays' medians
    awk -v u="$1" -v p="$2" -v t="$3" 'BEGIN { printf "median %s %s vs %s %s: recording adds %.1f %%\n", p, u, t, u, (t / p - 1) * 100 }'
}
plain=()
traced=()
case "$mode" in
run)
    duration=${2:-500ms}
    pairs=${3:-5}
    target=${4:-/dev/null}
    dotnet build emulator/hwemu -c Release -v q -nologo >/dev/null
    hwemu=emulator/hwemu/bin/Release/net10.0/hwemu
    wall() {
        local start end
        start=$(date +%s%N)
        "$hwemu" run --duration "$duration" "$@" >/dev/null 2>&1
        end=$(date +%s%N)
        echo $(((end - start) / 1000000))
    }
    for _ in $(seq "$pairs"); do
        plain+=("$(wall)")
        [ "$target" != /dev/null ] && rm -f "$target"
        traced+=("$(wall --trace "$target")")
    done
    [ "$target" != /dev/null ] && rm -f "$target"
    echo "hwemu run --duration $duration, $pairs pairs, trace to $target"
    echo "without recording (ms): ${plain[*]}"
    echo "with recording (ms):    ${traced[*]}"
    report ms "$(median "${plain[@]}")" "$(median "${traced[@]}")"
    ;;
steady)
    pairs=${2:-8}
    dotnet build perf/HwEmu.Perf -c Release -v q -nologo >/dev/null
    perf=perf/HwEmu.Perf/bin/Release/net10.0/HwEmu.Perf
    for _ in $(seq "$pairs"); do
        plain+=("$("$perf" recording-pair plain)")
        traced+=("$("$perf" recording-pair record)")
    done
    echo "default scenario, steady state, $pairs pairs, recorder to a null stream"
    echo "without recording (ns/transaction): ${plain[*]}"
    echo "with recording (ns/transaction):    ${traced[*]}"
    report ns "$(median "${plain[@]}")" "$(median "${traced[@]}")"
    ;;
*)
    echo "usage: $0 run [DURATION] [PAIRS] [TARGET] | steady [PAIRS]" >&2
    exit 2
    ;;
esac
