#!/bin/bash
# Issue #15: on a full disk every writing command prints one line naming the file and the
# cause, exits 1 and leaves no file behind (and hotspots leaves its analysis file as it was).
# The disk is a 1 MiB tmpfs; where mounting one is not permitted the test exits 77, which
# CTest reports as skipped (SKIP_RETURN_CODE), never as passed.
# usage: full_disk_test.sh INFOFRAG SOURCE_DIR
set -u
cli=$1
source_dir=$2
work=$(mktemp -d)
disk=$work/disk
mkdir "$disk"
cleanup() {
  mountpoint -q "$disk" && umount "$disk"
  rm -rf "$work"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=1m tmpfs "$disk" 2>/dev/null; then
  echo "SKIPPED: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)"
  exit 77
fi

# Inputs live outside the small disk.
"$cli" synth --out "$work/e.h5" --points 300 --members 4 --dims 6 2>/dev/null || exit 2
"$cli" analyze --embeddings "$work/e.h5" --out "$work/a.h5" --progress false 2>/dev/null || exit 2
"$cli" train --config "$source_dir/configs/tests/tiny_circle.ini" --out "$work/ens" \
  --train.steps 20 --train.seeds 1 2>/dev/null || exit 2
cp "$work/a.h5" "$disk/a.h5"
# Fill the disk but for 64 KiB: the first outputs fail while being written.
dd if=/dev/zero of="$disk/filler" bs=4k count=240 2>/dev/null

failures=0
expect_one_line() {  # name, then the command
  local name=$1
  shift
  local before
  before=$(ls -A "$disk" | sort | tr '\n' ' ')
  "$@" >/dev/null 2>"$work/err"
  local code=$?
  local lines
  lines=$(wc -l <"$work/err")
  local after
  after=$(ls -A "$disk" | sort | tr '\n' ' ')
  # Commands may log progress lines; the error is one line, the last, and nothing else of
  # HDF5's is printed.
  lines=$(grep -c "error:" "$work/err")
  if [ "$code" != 1 ] || [ "$lines" != 1 ] || [ "$before" != "$after" ] ||
     ! tail -n 1 "$work/err" | grep -q "error:" || grep -q "HDF5-DIAG\|#0[0-9]:" "$work/err" ||
     ! grep -q "No space left on device" "$work/err"; then
    echo "FAIL $name: exit $code, $lines lines of stderr, files before [$before] after [$after]:"
    cat "$work/err"
    failures=$((failures + 1))
  else
    echo "ok   $name: $(tail -n 1 "$work/err")"
  fi
}

expect_one_line synth "$cli" synth --out "$disk/x.h5" --points 3000 --members 4 --dims 6
expect_one_line export-data "$cli" export-data --dataset circle --indices 0:20000 \
  --out "$disk/x.h5"
expect_one_line embed "$cli" embed --ensemble "$work/ens" --out "$disk/x.h5" \
  --fingerprint-size 20000 --progress false
# Then no space at all.
dd if=/dev/zero of="$disk/filler2" bs=4k count=100 2>/dev/null
expect_one_line analyze "$cli" analyze --embeddings "$work/e.h5" --out "$disk/x.h5" \
  --progress false
expect_one_line mc "$cli" mc --embeddings "$work/e.h5" --out "$disk/x.h5" --samples 100 \
  --progress false
expect_one_line fuse "$cli" fuse --embeddings "$work/e.h5" --out "$disk/x.h5" --steps 2 \
  --dims 2 --progress false
expect_one_line train "$cli" train --config "$source_dir/configs/tests/tiny_circle.ini" \
  --out "$disk/ens" --train.steps 20 --train.seeds 1
expect_one_line hotspots "$cli" hotspots --analysis "$disk/a.h5" --min-samples 2
if ! cmp -s "$work/a.h5" "$disk/a.h5"; then
  echo "FAIL hotspots: changed the analysis file on a full disk"
  failures=$((failures + 1))
fi
echo "$failures failures"
[ "$failures" = 0 ]
