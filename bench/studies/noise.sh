#!/usr/bin/env bash
# noise.sh — the timing-noise measurement of ./run study: the fixed case of
# bench/studies/noise.spec, measured in slots spread through the study, and the spread of the
# slots' medians (what the README's timing-noise statement quotes).
#
#   bench/studies/noise.sh slot NAME   measure one slot into $RESULTS/noise/<k>-NAME/ (k counts
#                                      the slots; its own study files, 3 repeats)
#   bench/studies/noise.sh summary     write $RESULTS/noise.tsv: one row per slot (median, min
#                                      and max of its repeats, in seconds) and a last row
#                                      "all": the median of the slot medians, their min and max,
#                                      and max/min — the spread a 3-repeat median time carries
#
# Environment: ODEGRAD (the binary; default build/odegrad), RESULTS (default results/).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
odegrad=${ODEGRAD:-$top/build/odegrad}
results=${RESULTS:-$top/results}
spec=$top/bench/studies/noise.spec
case ${1:-} in
  slot)
    name=${2:?noise.sh slot NAME}
    [[ -x $odegrad ]] || { echo "noise.sh: $odegrad is not built (./run build)" >&2; exit 1; }
    mkdir -p "$results/noise"
    k=$(find "$results/noise" -mindepth 1 -maxdepth 1 -type d | wc -l)
    dir=$results/noise/$(printf '%02d' $((k + 1)))-$name
    "$odegrad" bench "$spec" --results "$dir" > /dev/null
    ;;
  summary)
    out=$results/noise.tsv
    {
      printf 'slot\tmedian_s\tmin_s\tmax_s\trepeats\n'
      for csv in "$results"/noise/*/noise.csv; do
        [[ -e $csv ]] || continue
        slot=$(basename "$(dirname "$csv")")
        awk -F, -v slot="$slot" '$6 == "wall_seconds" { t[++n] = $7 }
          END { if (n == 0) exit
                for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x }
                m = n % 2 ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
                printf "%s\t%.6g\t%.6g\t%.6g\t%d\n", slot, m, t[1], t[n], n }' "$csv"
      done
    } > "$out.tmp"
    awk -F'\t' 'NR > 1 { m[++n] = $2 + 0 }
      END { if (n == 0) { print "noise.sh: no slot measured" > "/dev/stderr"; exit 1 }
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (m[j] < m[i]) { x = m[i]; m[i] = m[j]; m[j] = x }
            med = n % 2 ? m[(n + 1) / 2] : (m[n / 2] + m[n / 2 + 1]) / 2
            printf "all\t%.6g\t%.6g\t%.6g\t%d\n", med, m[1], m[n], n
            printf "noise.sh: %d slots, 3-repeat medians %.3g ... %.3g s (median %.3g s, max/min %.2f)\n", n, m[1], m[n], med, m[n] / m[1] > "/dev/stderr" }' \
      "$out.tmp" >> "$out.tmp"
    mv "$out.tmp" "$out"
    ;;
  *) echo "usage: bench/studies/noise.sh slot NAME | summary" >&2; exit 2 ;;
esac
