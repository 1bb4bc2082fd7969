#!/usr/bin/env bash
# Peak resident memory (max RSS from /usr/bin/time -v) of real runs at a few grid sizes, and
# the bytes per cell each kind of run costs: the slope between the two largest grids, so the
# fixed cost (binary, wgpu, fonts) drops out. Backs the constants in src/memory.rs.
#
#   cargo build --release && NODEVICE_SELECT=1 benches/memory.sh [cpu|gpu ...] > memory.tsv
#
# Columns: backend, kind, side (cells per axis), max RSS (KiB), bytes per cell over the
# previous size. Steps are few: memory does not depend on them.
set -euo pipefail
bin=${DOWNHILL:-${CARGO_TARGET_DIR:-target}/release/downhill}
backends=("${@:-cpu gpu}")
read -r -a backends <<<"${backends[*]}"
sizes=(${SIZES:-256 512 1024})
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rss() { # prints max RSS in KiB of the command
  /usr/bin/time -v "$@" 2>"$work/err" >/dev/null || { cat "$work/err" >&2; return 1; }
  awk -F': ' '/Maximum resident set size/ {print $2}' "$work/err"
}

anim() { # a figure file: a stability map animated over 4 frames
  cat >"$work/anim.toml" <<TOML
[[figure]]
name = "anim"
kind = "stability"
res = $1
steps = 20
animate = { param = "beta", from = 0.0, to = 0.9, frames = 4 }
optimizer = "momentum"
TOML
  echo "$work/anim.toml"
}

printf 'backend\tkind\tside\tmax_rss_kib\tbytes_per_cell\n'
for b in "${backends[@]}"; do
  for kind in ${KINDS:-basins sweep-refine stability-refine animate4 trainability}; do
    prev_kib=; prev_cells=
    for n in "${sizes[@]}"; do
      case $kind in
        basins) cmd=("$bin" basins --res "$n" --steps 20 --backend "$b" -o "$work/m") ;;
        sweep-refine) cmd=("$bin" sweep --landscape quadratic --optimizer gd --x lr:0:3 --y x0:-2:2 --res "$n" --steps 20
                           --refine 1e-2 --backend "$b" -o "$work/m") ;;
        stability-refine) cmd=("$bin" stability --res "$n" --steps 20 --refine 1e-2 --backend "$b" -o "$work/m") ;;
        animate4) cmd=("$bin" render "$(anim "$n")" -o "$work" --backend "$b") ;;
        trainability) cmd=("$bin" trainability --res "$n" --steps 5 --backend "$b" -o "$work/m") ;;
      esac
      kib=$(rss "${cmd[@]}")
      cells=$((n * n))
      per=-
      if [[ -n $prev_kib ]]; then
        per=$(( (kib - prev_kib) * 1024 / (cells - prev_cells) ))
      fi
      printf '%s\t%s\t%s\t%s\t%s\n' "$b" "$kind" "$n" "$kib" "$per"
      prev_kib=$kib; prev_cells=$cells
    done
  done
done
