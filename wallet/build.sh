#!/usr/bin/env bash
# Builds the wallet for the browser: the wasm32 crate, then its JS bindings.
#   wallet/build.sh            single-threaded (stable Rust)  → wallet/www/pkg/
#   wallet/build.sh --threads  multi-threaded (nightly, atomics, build-std, wasm-bindgen-rayon)
#                                                            → wallet/www/pkg-threads/
# Needs: rustup target add wasm32-unknown-unknown; wasm-bindgen-cli of exactly the version of
# the `wasm-bindgen` crate in Cargo.lock (see docs/wallet.md); for --threads, a nightly
# toolchain with rust-src.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}') || true
if [ "$want" != "$have" ]; then
  echo "wasm-bindgen-cli $want is needed (found: ${have:-none}):" >&2
  echo "  cargo install wasm-bindgen-cli --version $want" >&2
  exit 1
fi
target_dir=${CARGO_TARGET_DIR:-target}
if [ "${1:-}" = "--threads" ]; then
  # Shared memory for the rayon workers; std rebuilt with atomics (nightly only).
  # A shared, imported memory and the TLS exports wasm-bindgen's thread support needs.
  RUSTFLAGS="-C target-feature=+atomics,+bulk-memory,+mutable-globals \
    -C link-arg=--shared-memory -C link-arg=--max-memory=1073741824 -C link-arg=--import-memory \
    -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
    -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base" \
    cargo +nightly build -p zkcredit-wallet --lib --release --features threads \
    --target wasm32-unknown-unknown -Z build-std=panic_abort,std \
    --target-dir "$target_dir/wasm-threads"
  wasm-bindgen --target web --no-typescript --out-dir wallet/www/pkg-threads \
    "$target_dir/wasm-threads/wasm32-unknown-unknown/release/zkcredit_wallet.wasm"
  ls -l wallet/www/pkg-threads
else
  cargo build -p zkcredit-wallet --lib --release --target wasm32-unknown-unknown
  wasm-bindgen --target web --no-typescript --out-dir wallet/www/pkg \
    "$target_dir/wasm32-unknown-unknown/release/zkcredit_wallet.wasm"
  ls -l wallet/www/pkg
fi
