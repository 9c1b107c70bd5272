#!/usr/bin/env bash
# Runs a command and watches its output: when it has printed nothing for LIMIT seconds, the
# stacks of every thread of the command's processes (gdb) go into the log and the command is
# stopped with exit code 124. A hung test run then fails in minutes with something to read,
# instead of using up CI's whole time and leaving nothing. The command's output is line-buffered
# (stdbuf; Swift Testing's is block-buffered into a file otherwise), so at a hang the log is current
# and the Swift Testing tests that had started and not finished are named.
#   bash .ci/watchdog.sh LIMIT COMMAND...
set -uo pipefail
limit=$1; shift
log=$(mktemp)
stdbuf -oL -eL "$@" >"$log" 2>&1 &
command_pid=$!
tail -n +1 -f --pid="$command_pid" "$log" &
tail_pid=$!

# The Swift Testing tests in log $1 that printed "started" and neither "passed" nor "failed"
# (a parameterised test's cases print no end of their own, so they are left out).
unfinished_tests() {
    awk '/^◇ Test .* started\.$/ && !/^◇ Test (case |run started)/ { name = $0; sub(/^◇ Test /, "", name); sub(/ started\.$/, "", name); open[name]++ }
         /^(✔|✘) Test .* (passed|failed) after / { name = $0; sub(/^(✔|✘) Test /, "", name)
             sub(/ (passed|failed) after .*$/, "", name); sub(/ with [0-9]+ test cases?$/, "", name); open[name]-- }
         END { for (name in open) if (open[name] > 0) print "  " name }' "$1"
}

descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1"); do echo "$child"; descendants "$child"; done
}

while kill -0 "$command_pid" 2>/dev/null; do
    sleep 10
    silent=$(( $(date +%s) - $(stat -c %Y "$log") ))
    if (( silent > limit )) && kill -0 "$command_pid" 2>/dev/null; then
        processes="$command_pid $(descendants "$command_pid")"
        {
            echo "watchdog: no output for ${silent} s from: $*"
            echo "watchdog: tests started and not finished:"
            unfinished_tests "$log"
            for pid in $processes; do
                echo "=== process $pid: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)"
                gdb -p "$pid" -batch -ex "thread apply all bt" 2>&1 | grep -v "^\[New LWP\|^warning:"
            done
        } >>"$log" 2>&1
        sleep 2
        kill -9 $processes 2>/dev/null
        wait "$command_pid" 2>/dev/null
        wait "$tail_pid" 2>/dev/null
        rm -f "$log"
        exit 124
    fi
done
wait "$command_pid"; status=$?
wait "$tail_pid" 2>/dev/null
rm -f "$log"
exit "$status"
