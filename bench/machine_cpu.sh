#!/usr/bin/env bash
# Runs a command and then prints its wall time and the machine's busy and idle CPU seconds
# over it, read from /proc/stat (all processes: a test suite's browsers, servers and
# databases included). Usage: bench/machine_cpu.sh COMMAND [ARG...]
set -u
read -r _ u n s i w q sq st _ </proc/stat
busy0=$((u + n + s + q + sq + st)); idle0=$((i + w)); t0=$(date +%s.%N)
"$@"
rc=$?
read -r _ u n s i w q sq st _ </proc/stat
busy1=$((u + n + s + q + sq + st)); idle1=$((i + w)); t1=$(date +%s.%N)
hz=$(getconf CLK_TCK)
echo "rc=$rc wall_s=$(awk "BEGIN {printf \"%.1f\", $t1 - $t0}") busy_cpu_s=$(( (busy1 - busy0) / hz )) idle_cpu_s=$(( (idle1 - idle0) / hz ))" >&2
exit $rc
