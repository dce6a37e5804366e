#!/bin/bash
# `make run` on a fresh clone of this repository's HEAD, to its first page: prints the seconds and
# the time of each step (from the time-stamped log). Uses port 8123 and stops everything afterwards.
#   bench/first_page.sh [folder of the clone, default /tmp/plantwright-first-page]
set -u
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
folder=${1:-/tmp/plantwright-first-page}
rm -rf "$folder" && git clone -q "$repo" "$folder" && cd "$folder" || exit 1
echo "commit $(git rev-parse --short HEAD), load average $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
(PORT=8123 make run 2>&1 | while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done > run.log &)
until curl -sf -o /dev/null http://127.0.0.1:8123/login/; do sleep 0.1; done
end=$(date +%s.%N)
echo "first page: $(echo "$end - $start" | bc) s"
awk -v s="$start" '/require-hashes -r requirements.txt|plantwright migrate|collectstatic|load_demo|Plantwright: http/ \
  {printf "%6.1f s  %s\n", $1 - s, substr($0, index($0, $2), 80)}' run.log
pkill -f "honcho start -f Procfile"; sleep 2; pkill -f "$folder"; true
