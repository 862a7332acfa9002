#!/usr/bin/env bash
# Bounded fuzzing (issue 11): every cargo-fuzz target in fuzz/ for
# FUZZ_SECONDS (default 15) each, from an empty corpus; a crash, a broken
# property or an input slower than 10 s fails CI. fuzz/README.md has the
# longer run. Install, build and 4 targets should take ~4 min on an idle
# 2-core runner (the estimate is in fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-15}"

if ! command -v cargo-fuzz >/dev/null; then
  # A debug build of the driver (it only runs cargo and the fuzzers) builds
  # in about half the time.
  cargo install cargo-fuzz --locked --debug
fi

# CI has only the stable toolchain. cargo-fuzz's flags are nightly-only:
# RUSTC_BOOTSTRAP lets stable accept them, and without a sanitizer (-s none)
# nothing needs nightly's sanitizer runtimes.
export RUSTC_BOOTSTRAP=1
# Unoptimised fuzzers build in ~60% of the CPU time of --release and still run
# thousands of inputs a second: enough for a regression check.
flags=(-s none --dev --codegen-units 16)
cargo fuzz build "${flags[@]}"
for target in $(cargo fuzz list); do
  echo "fuzzing $target for ${seconds} s"
  mkdir -p "corpus/$target"
  cargo fuzz run "${flags[@]}" "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1
done
