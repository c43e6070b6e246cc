// The wallet's Web Worker: loads the wasm prover, the keys (downloaded once, hash-checked,
// cached), and proves off the page's main thread, reporting progress by stage.
//
// Messages in:  {id, op: 'keys', base}
//               | {id, op: 'prove-ledger-policy', base, request, vkHash}  (a node's plan: apply, join)
//               | {id, op: 'prove-ledger-vote', base, request, vkHash}    (a node's plan: vote)
//               | {id, op: 'prove-policy', base, request}         (files: registry, policy)
//               | {id, op: 'prove-membership', base, request} | {id, op: 'verify', base, proof}
// Messages out: {id, progress: {stage, percent}} while working, then {id, ok: result} or
//               {id, error: message}.

import { loadKeyFiles } from './keys.js';

// `worker.js?threads=N` asks for the multi-threaded build (wallet/build.sh --threads) on N
// workers; it needs SharedArrayBuffer, i.e. a cross-origin-isolated page (COOP/COEP).
const threads = Number(new URL(self.location.href).searchParams.get('threads') || 0);
let wasm;
const ready = (async () => {
  if (threads > 1 && self.crossOriginIsolated) {
    try {
      wasm = await import('./pkg-threads/zkcredit_wallet.js');
      await wasm.default();
      await wasm.initThreadPool(threads);
      return { threads };
    } catch (e) {
      console.warn(`multi-threaded prover unavailable (${e.message}); proving on one thread`);
    }
  }
  wasm = await import('./pkg/zkcredit_wallet.js');
  await wasm.default();
  return { threads: 1 };
})();
const provers = new Map(); // keys base URL -> {prover, files, loadMs, downloaded}

function progress(id, stage, percent) {
  self.postMessage({ id, progress: { stage, percent } });
}

async function keys(id, base) {
  await ready;
  if (provers.has(base)) return provers.get(base);
  progress(id, 'downloading keys', 5);
  const t0 = performance.now();
  const files = await loadKeyFiles(wasm, base);
  progress(id, 'loading keys', 20);
  const prover = new wasm.Prover(files.metaBytes, files.vk, files.pk);
  const entry = { prover, files, downloaded: files.downloaded, loadMs: performance.now() - t0 };
  provers.set(base, entry);
  return entry;
}

/**
 * The node's plan names the ledger's verifying key (`vk_hash`): keys that do not match it would
 * make proofs the ledger refuses, so say so before proving (e.g. a page served with keys of
 * another deployment, or a stale cache).
 */
function checkLedgerKey(k, base, vkHash) {
  if (vkHash && vkHash !== k.files.meta.vk_hash) {
    throw new Error(`the keys at ${base} (verifying key ${k.files.meta.vk_hash}) are not the ledger's (${vkHash}): a proof made with them would be refused`);
  }
}

async function handle({ id, op, base, request, proof, vkHash }) {
  switch (op) {
    case 'keys': {
      const k = await keys(id, base);
      return { circuit: k.prover.circuit, insecure: k.prover.insecure, downloaded: k.downloaded, loadMs: k.loadMs, threads: (await ready).threads };
    }
    case 'prove-ledger-policy':
    case 'prove-ledger-vote':
    case 'prove-policy':
    case 'prove-membership': {
      const k = await keys(id, base);
      checkLedgerKey(k, base, vkHash);
      const policy = op === 'prove-policy' || op === 'prove-ledger-policy';
      progress(id, policy ? 'checking the policy' : 'checking membership', 30);
      const text = JSON.stringify(request);
      const check = op === 'prove-policy' ? JSON.parse(wasm.precheckPolicy(text))
        : op === 'prove-ledger-policy' ? JSON.parse(wasm.precheckLedger(text)) : { qualifies: true };
      if (!check.qualifies) throw new Error(`refused: ${check.reason}`);
      progress(id, 'proving', 40);
      const t0 = performance.now();
      const now = Date.now() / 1000;
      const json = op === 'prove-policy' ? k.prover.provePolicy(text, now)
        : op === 'prove-ledger-policy' ? k.prover.proveLedgerPolicy(text, now)
          : op === 'prove-ledger-vote' ? k.prover.proveLedgerVote(text, now)
            : k.prover.proveMembership(text, now);
      const proveMs = performance.now() - t0;
      progress(id, 'verifying', 90);
      wasm.verifyProof(k.files.metaBytes, k.files.vk, json);
      progress(id, 'done', 100);
      return { proof: json, proveMs };
    }
    case 'verify': {
      const k = await keys(id, base);
      return JSON.parse(wasm.verifyProof(k.files.metaBytes, k.files.vk, proof));
    }
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

self.onmessage = async (e) => {
  const id = e.data.id;
  try {
    self.postMessage({ id, ok: await handle(e.data) });
  } catch (err) {
    self.postMessage({ id, error: String(err && err.message ? err.message : err) });
  }
};
