#!/usr/bin/env bash
# The whole-process proving time of policy-d20 against other Groth16 provers of the same
# relation, every tool interleaved in one run (timings on a shared machine are only
# comparable within one run):
#
#   * zkcredit `prove policy` with seeded keys (libsnark reduction) and with ceremony keys
#     (circom's reduction, the same .zkey the peers use);
#   * rapidsnark's `prover` (C++/asm) on that .zkey and zkcredit's `.wtns` witness, when
#     RAPIDSNARK names its binary;
#   * snarkjs `groth16 prove` on the same, when snarkjs is found (fewer rounds: it is slow).
#
# Every peer proof is imported and verified by zkcredit (`import snarkjs`) once.
#
#   benches/peers.sh [rounds]     # ZKCREDIT_BIN, RAPIDSNARK, SNARKJS optional
#
# Prints one line per tool (median, min, max in ms; peak RSS in MB), then JSON.
# Stock ark-groth16's warm time for the ratio is `cargo run --release -p zkcredit-prover
# --example profile 20 21`; run it right before or after.
set -euo pipefail

rounds=${1:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
z=${ZKCREDIT_BIN:-$root/target/release/zkcredit}
[ -x "$z" ] || { echo "no zkcredit binary at $z (cargo build --release)" >&2; exit 2; }
snarkjs=${SNARKJS:-$root/.ci/node_modules/.bin/snarkjs}
[ -x "$snarkjs" ] || snarkjs=""
rapidsnark=${RAPIDSNARK:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/zkcredit-peers-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "setting up policy-d20 (seeded keys, a test ceremony with one contribution) in $work" >&2
"$z" setup --circuit policy --depth 20 --seed 1 --out seeded >/dev/null
"$z" circuits export-r1cs --circuit policy --depth 20 --out policy.r1cs >/dev/null
"$z" ceremony test-ptau --power 14 --out t.ptau >/dev/null
"$z" ceremony init --circuit policy --depth 20 --ptau t.ptau --out 0.zkey >/dev/null
"$z" ceremony contribute 0.zkey final.zkey --name bench >/dev/null
"$z" ceremony import final.zkey --ptau t.ptau --circuit policy --depth 20 --out ceremony \
    >/dev/null 2>&1
commitment=$("$z" identity new --out id.json | sed 's/.*"commitment":"\([0-9]*\)".*/\1/')
"$z" credential issue --issuer 1 --subject "$commitment" --schema 1 \
    --attrs 720,5000,800,9000,36,1,0,48 --issued-at 1700000000 --expires-at 1900000000 \
    --out cred.json --registry reg.json >/dev/null
cat > policy.json <<'EOF'
{"clauses": [
  {"coeffs": [1, 0, 0, 0, 0, 0, 0, 0], "constant": -650},
  {"coeffs": [0, 3600, -10000, 0, 0, 0, 0, 0], "constant": -4000000},
  {"coeffs": [0, 0, 0, 1, 0, 0, 0, 0], "constant": -1200},
  {"coeffs": [0, 0, 0, 0, 0, 0, -1, 0], "constant": 0}
]}
EOF
echo '{"chain_id": "coop-main", "account": "alice", "amount": 100000, "term": 12, "rate_bps": 900, "policy_id": 1, "nonce": 1}' > req.json
# The argv of each tool, in CMD.
prove_args=(prove policy --identity id.json --credential cred.json --registry reg.json
    --policy policy.json --now 1800000000 --request req.json --scope pool-1/epoch-7
    --holder-scope lender-x --issued-after 1690000000)
argv_of() {
    case $1 in
        seeded) CMD=("$z" "${prove_args[@]}" --keys seeded --out s.json) ;;
        ceremony) CMD=("$z" "${prove_args[@]}" --keys ceremony --out c.json) ;;
        rapidsnark) CMD=("$rapidsnark" final.zkey w.wtns rp.json rpub.json) ;;
        snarkjs) CMD=("$snarkjs" groth16 prove final.zkey w.wtns sp.json spub.json) ;;
    esac
}
"$z" "${prove_args[@]}" --keys ceremony --out c.json --wtns w.wtns >/dev/null 2>&1
"$z" verify --keys ceremony c.json >/dev/null 2>&1

tools=(seeded ceremony)
[ -n "$rapidsnark" ] && tools+=(rapidsnark)
[ -n "$snarkjs" ] && tools+=(snarkjs)
for t in "${tools[@]}"; do
    argv_of "$t"
    "${CMD[@]}" >/dev/null 2>&1 # warm the page cache and check it runs
    case $t in
        rapidsnark) "$z" import snarkjs --keys ceremony --proof rp.json --public rpub.json --out rp.zk.json >/dev/null ;;
        snarkjs) "$z" import snarkjs --keys ceremony --proof sp.json --public spub.json --out sp.zk.json >/dev/null ;;
    esac
done
echo "all peer proofs verified by zkcredit; timing $rounds rounds, interleaved" >&2

for t in "${tools[@]}"; do : > "times.$t"; : > "rss.$t"; done
for ((r = 0; r < rounds; r++)); do
    for t in "${tools[@]}"; do
        [ "$t" = snarkjs ] && ((r % 5 != 0)) && continue
        argv_of "$t"
        start=$(date +%s%N)
        /usr/bin/time -f %M -o rss.tmp "${CMD[@]}" >/dev/null 2>&1
        end=$(date +%s%N)
        echo $(((end - start) / 1000)) >> "times.$t"
        cat rss.tmp >> "rss.$t"
    done
done

json="{"
for t in "${tools[@]}"; do
    read -r med min max n < <(sort -n "times.$t" | awk '{a[NR]=$1} END {printf "%.1f %.1f %.1f %d\n", a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000, NR}')
    rss=$(sort -n "rss.$t" | tail -1)
    printf '%-11s median %8.1f ms  (min %.1f, max %.1f, %d runs)  peak RSS %.1f MB\n' "$t" "$med" "$min" "$max" "$n" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')"
    json+="\"$t\": {\"median_ms\": $med, \"min_ms\": $min, \"max_ms\": $max, \"runs\": $n, \"peak_rss_kb\": $rss},"
done
echo "${json%,}, \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
