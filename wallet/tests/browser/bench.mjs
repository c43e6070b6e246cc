// The browser benchmark: policy proving time in headless Chromium (the wallet's worker,
// single-threaded wasm), the wasm size, the key bytes downloaded, and the native CLI's
// proving time measured in the same run for the ratio. Prints one JSON object.
//
// Run: ZKCREDIT_BIN=<release zkcredit> node wallet/tests/browser/bench.mjs [runs]
// Timings are only comparable as ratios within one run on the same machine.

import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { makeKeys, makeLedger, makeWalletDir, startNode, launch, run, ATTRS, DEPTH, WWW, CHAIN_ID } from './world.mjs';

const runs = Number(process.argv[2] || 5);
const scratch = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'zkc-bench-'));
const keys = makeKeys(scratch);
// The page is served by a real node (`--wallet`), as borrowers get it.
const node = await startNode(makeLedger(scratch, keys).dir, makeWalletDir(scratch, keys));
const idFile = path.join(scratch, 'id.json');
run(['identity', 'new', '--out', idFile]);
const identity = JSON.parse(fs.readFileSync(idFile, 'utf8'));
const registryFile = path.join(scratch, 'registry.json');
for (const leaf of ['11', '12', '13']) run(['registry', 'add', registryFile, '--leaf', leaf, '--depth', String(DEPTH)]);
const credFile = path.join(scratch, 'credential.json');
run(['credential', 'issue', '--issuer', '1', '--subject', identity.commitment, '--schema', '1', '--attrs', ATTRS.join(','),
  '--issued-at', '1700000000', '--expires-at', '1900000000', '--out', credFile, '--registry', registryFile]);
// The policy-d20 relation of a loan application: four clauses, request, scope, holder binding.
const STANDARD_POLICY = { clauses: [
  { coeffs: [1, 0, 0, 0, 0, 0, 0, 0], constant: -650 },
  { coeffs: [0, 3600, -10000, 0, 0, 0, 0, 0], constant: -4000000 },
  { coeffs: [0, 0, 0, 1, 0, 0, 0, 0], constant: -1200 },
  { coeffs: [0, 0, 0, 0, 1, 0, 0, 0], constant: -12 },
] };
const request = {
  identity, credential: JSON.parse(fs.readFileSync(credFile, 'utf8')), registry: JSON.parse(fs.readFileSync(registryFile, 'utf8')),
  policy: STANDARD_POLICY, now: 1_800_000_000, scope: 'pool-1/epoch-7',
  request: { chain_id: CHAIN_ID, account: 'alice', amount: 100000, term: 12, rate_bps: 900, policy_id: 1, nonce: 1 },
};

const browser = await launch();
async function inBrowser(threads) {
  const page = await browser.newPage();
  page.on('console', (m) => console.error(`[page] ${m.text()}`));
  try {
    await page.goto(`${node.url}/wallet/bench.html?threads=${threads}`);
    await page.waitForFunction(() => window.benchReady === true);
    return await page.evaluate(([r, n]) => window.runBench('/wallet/keys/policy', r, n), [request, runs]);
  } finally {
    await page.close();
  }
}
let browserResult;
let browserThreads = null;
try {
  browserResult = await inBrowser(0);
  if (fs.existsSync(path.join(WWW, 'pkg-threads/zkcredit_wallet_bg.wasm'))) {
    browserThreads = await inBrowser(os.cpus().length);
  }
} finally {
  await browser.close();
  await node.stop();
}

const native = JSON.parse(run(['bench', '--circuit', 'policy', '--depth', String(DEPTH), '--iterations', String(runs), '--batch', '2', '--json']));
const nativeSingle = JSON.parse(execNative1());
function execNative1() {
  // One core, as the wasm has.
  process.env.RAYON_NUM_THREADS = '1';
  try { return run(['bench', '--circuit', 'policy', '--depth', String(DEPTH), '--iterations', String(runs), '--batch', '2', '--json']); } finally { delete process.env.RAYON_NUM_THREADS; }
}
const wasmBytes = fs.statSync(path.join(WWW, 'pkg/zkcredit_wallet_bg.wasm')).size;
const report = {
  browser: browserResult,
  browser_threads: browserThreads,
  wasm_threads_bytes: browserThreads ? fs.statSync(path.join(WWW, 'pkg-threads/zkcredit_wallet_bg.wasm')).size : null,
  wasm_bytes: wasmBytes,
  native_prove_ms: native.prove_ms, native_threads: native.threads,
  native_single_thread_prove_ms: nativeSingle.prove_ms,
  ratio_browser_to_native: browserResult.warm_prove_ms_median / native.prove_ms,
  ratio_browser_to_native_single_thread: browserResult.warm_prove_ms_median / nativeSingle.prove_ms,
};
console.log(JSON.stringify(report, null, 2));
