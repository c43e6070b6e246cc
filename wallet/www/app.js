// The wallet page. The identity, the account's signing key and the credential live in this
// browser's localStorage and are only ever handed to the wasm (in this page or in the proving
// worker). The node (same origin, API v1) sees the identity commitment, the credential's
// registry leaf, loan terms and signed transactions — never a secret or an attribute.

import init, * as wasm from './pkg/zkcredit_wallet.js';
import { NodeApi } from './node-api.js';

const $ = (id) => document.getElementById(id);
const store = {};
for (const k of ['identity', 'credential', 'account']) {
  Object.defineProperty(store, k, {
    get: () => localStorage.getItem(`zkcredit.${k}`),
    set: (v) => localStorage.setItem(`zkcredit.${k}`, v),
  });
}

const params = new URLSearchParams(location.search);
const node = new NodeApi(params.get('node') || '');
const keysBase = (name) => new URL(`keys/${name}`, location.href).href;
let head = null; // the node's /v1/head
let policies = [];

// --- the proving worker -----------------------------------------------------------------
// `?threads=N` proves on N threads with the multi-threaded build when it is deployed
// (wallet/build.sh --threads) and the page is cross-origin isolated; single-threaded otherwise.
const threads = Number(params.get('threads') || 0);
const worker = new Worker(new URL(`./worker.js?threads=${threads}`, import.meta.url), { type: 'module' });
let nextId = 1;
const pending = new Map();
worker.onmessage = (e) => {
  const { id, progress, ok, error } = e.data;
  const p = pending.get(id);
  if (!p) return;
  if (progress) return p.onProgress && p.onProgress(progress);
  pending.delete(id);
  if (error !== undefined) p.reject(new Error(error)); else p.resolve(ok);
};
function call(msg, onProgress) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    worker.postMessage({ id, ...msg });
  });
}
function showProgress({ stage, percent }) {
  $('progress').value = percent;
  $('stage').textContent = stage;
}
function status(text) { $('status').textContent = text; }

// --- identity and account ---------------------------------------------------------------
function account() { return store.account ? wasm.accountOf(store.account) : null; }
function showIdentity() {
  $('commitment').textContent = store.identity ? wasm.identityCommitment(store.identity) : 'none yet';
  $('account').textContent = account() || 'none yet';
}
function setIdentity(text) {
  store.identity = text;
  // A fresh signing key goes with a fresh identity: it is made here and never leaves.
  if (!store.account) store.account = wasm.newAccount();
  showIdentity();
  refresh();
}
$('new-identity').onclick = () => {
  if (store.identity && !confirm('Replace your identity? Its secret will be lost.')) return;
  setIdentity(wasm.newIdentity());
};
$('import-identity').onclick = () => {
  try {
    const text = $('identity-text').value.trim();
    wasm.identityCommitment(text); // throws naming the problem
    $('identity-text').value = '';
    setIdentity(text);
  } catch (e) { status(`identity: ${e.message}`); }
};

// --- credential -------------------------------------------------------------------------
function summary() {
  return JSON.parse(wasm.importCredential(store.identity, store.credential, undefined));
}
/** The credential's registry path from the node, or null when it is not attested. */
async function registryPath() {
  try { return await node.registryPath(summary().leaf); } catch (e) { if (e.status === 404) return null; throw e; }
}
async function showCredential() {
  if (!store.credential || !store.identity) { $('credential-summary').textContent = ''; return; }
  try {
    const s = summary();
    const path = await registryPath();
    $('credential-summary').textContent =
      `schema ${s.schema} (${s.attribute_names.join(', ')})\nissuer ${s.issuer}\n` +
      `commitment ${s.commitment}\nregistry leaf ${s.leaf}\n` +
      `valid until ${new Date(s.expires_at * 1000).toISOString()}\n` +
      (path ? 'attested in the co-op registry' : 'NOT attested in the co-op registry (yet)');
  } catch (e) { $('credential-summary').textContent = e.message; }
}
async function importCredential(text) {
  if (!store.identity) throw new Error('create or import an identity first');
  wasm.importCredential(store.identity, text, undefined); // throws: not yours, malformed
  store.credential = text;
  await refresh();
}
$('credential-file').onchange = async (e) => {
  const f = e.target.files[0];
  if (!f) return;
  try { await importCredential(await f.text()); status('credential imported'); } catch (err) { status(`credential: ${err.message}`); }
};
$('import-credential').onclick = async () => {
  try { await importCredential($('credential-text').value.trim()); $('credential-text').value = ''; status('credential imported'); } catch (err) { status(`credential: ${err.message}`); }
};

// --- proving what the node's plan says, signing, submitting, following --------------------
/** The ledger policy request for a plan: what the worker proves and the pre-check checks. */
function ledgerRequest(plan, path, request) {
  return {
    identity: JSON.parse(store.identity), credential: JSON.parse(store.credential),
    path, statement: plan.statement, request,
  };
}
async function submitAndFollow(signed, out) {
  const receipt = await node.submit(signed.tx);
  out.textContent = `submitted ${receipt.hash}: ${receipt.status}`;
  const st = await node.follow(receipt.hash, (s) => { out.textContent = `${s.status} ${receipt.hash}`; });
  if (st.status === 'rejected') throw new Error(`rejected by the node: ${st.reason}`);
  return st;
}

// --- joining the co-op (admission proof) ------------------------------------------------
$('join').onclick = async () => {
  const out = $('join-result');
  out.textContent = '';
  try {
    if (!store.identity || !store.credential) throw new Error('import an identity and a credential first');
    const deposit = Number($('deposit').value);
    const commitment = wasm.identityCommitment(store.identity);
    const [plan, path] = await Promise.all([node.planJoin(account(), commitment, deposit), registryPath()]);
    if (!path) throw new Error('your credential is not attested in the co-op registry yet');
    const request = {
      chain_id: head.chain_id, account: account(), amount: deposit, term: 0, rate_bps: 0,
      policy_id: plan.tx.policy_id, nonce: plan.tx.nonce,
    };
    const { proof, proveMs } = await call({ op: 'prove-ledger-policy', base: keysBase('policy'), vkHash: plan.vk_hash, request: ledgerRequest(plan, path, request) }, showProgress);
    status(`admission proof made in ${Math.round(proveMs)} ms`);
    const signed = JSON.parse(wasm.signJoin(store.account, head.chain_id, plan.tx.nonce, store.identity, deposit, proof));
    const st = await submitAndFollow(signed, out);
    out.textContent = `joined: included at height ${st.height}`;
    await refresh();
  } catch (e) {
    out.textContent = e.message;
    showProgress({ stage: 'failed', percent: 0 });
  }
};

// --- policies and the native pre-check --------------------------------------------------
function terms() {
  return { amount: Number($('amount').value), term: Number($('term').value) };
}
async function refreshPolicies(member) {
  const ul = $('policies');
  ul.textContent = '';
  $('policy').textContent = '';
  const path = store.identity && store.credential ? await registryPath().catch(() => null) : null;
  for (const p of policies) {
    if (!p.rules.active) continue;
    const li = document.createElement('li');
    li.dataset.policy = p.id;
    let verdict = 'join the co-op to check';
    let cls = '';
    if (member && path) {
      try {
        const { amount, term } = terms();
        const plan = await node.planLoan(account(), p.id, amount, term);
        const request = { chain_id: head.chain_id, account: account(), amount, term, rate_bps: plan.tx.rate_bps, policy_id: p.id, nonce: plan.tx.nonce };
        const c = JSON.parse(wasm.precheckLedger(JSON.stringify(ledgerRequest(plan, path, request))));
        verdict = c.qualifies ? 'you qualify' : `you do not qualify: ${c.reason}`;
        cls = c.qualifies ? 'qualifies' : 'fails';
      } catch (e) { verdict = e.message; cls = 'fails'; }
    }
    li.innerHTML = '<b></b> (<i></i>): <span></span>';
    li.querySelector('b').textContent = p.rules.name;
    li.querySelector('i').textContent = `${p.rules.rate_bps} bps, up to ${p.rules.max_amount} over ${p.rules.max_term}`;
    li.querySelector('span').textContent = verdict;
    li.querySelector('span').className = cls;
    ul.append(li);
    const opt = document.createElement('option');
    opt.value = p.id;
    opt.textContent = p.rules.name;
    $('policy').append(opt);
  }
}

// --- applying for a loan ----------------------------------------------------------------
$('apply').onclick = async () => {
  const out = $('apply-result');
  out.textContent = '';
  try {
    if (!store.identity || !store.credential) throw new Error('import an identity and a credential first');
    const policyId = Number($('policy').value);
    const { amount, term } = terms();
    const [plan, path] = await Promise.all([node.planLoan(account(), policyId, amount, term), registryPath()]);
    if (!path) throw new Error('your credential is not attested in the co-op registry');
    const request = { chain_id: head.chain_id, account: account(), amount, term, rate_bps: plan.tx.rate_bps, policy_id: policyId, nonce: plan.tx.nonce };
    const t0 = performance.now();
    const { proof, proveMs } = await call({ op: 'prove-ledger-policy', base: keysBase('policy'), vkHash: plan.vk_hash, request: ledgerRequest(plan, path, request) }, showProgress);
    $('proof').textContent = proof;
    status(`proof made in ${Math.round(proveMs)} ms (${Math.round(performance.now() - t0)} ms with keys)`);
    const signed = JSON.parse(wasm.signApplyLoan(store.account, head.chain_id, plan.tx.nonce, policyId, amount, term, plan.tx.rate_bps, proof));
    const st = await submitAndFollow(signed, out);
    const loans = await refreshLoans();
    const loan = loans.reduce((a, l) => (a && a.id > l.id ? a : l), null); // the newest: this one
    out.textContent = `included at height ${st.height}: loan ${loan ? `${loan.id} ${loan.status}` : '(not found)'}`;
  } catch (e) {
    out.textContent = e.message;
    showProgress({ stage: 'failed', percent: 0 });
  }
};

// --- loans and their schedules ----------------------------------------------------------
async function refreshLoans() {
  const mine = (await node.loans()).filter((l) => l.borrower === account());
  const ul = $('loans');
  ul.textContent = '';
  for (const l of mine) {
    const li = document.createElement('li');
    li.dataset.loan = l.id;
    li.dataset.status = l.status;
    const rows = l.schedule.map((i, n) => `  ${n + 1}. due ${i.due ? new Date(i.due * 1000).toISOString().slice(0, 10) : '(at disbursement)'}: ${i.principal} + ${i.interest} interest${i.paid_at ? ' — paid' : ''}`);
    li.textContent = `loan ${l.id}: ${l.amount} over ${l.term} at ${l.rate_bps} bps — ${l.status}\n${rows.join('\n')}`;
    ul.append(li);
  }
  return mine;
}
$('refresh-loans').onclick = () => refreshLoans().catch((e) => { $('loans').textContent = e.message; });

// --- open proposals: anonymous votes (membership proofs) ---------------------------------
async function vote(proposal, approve) {
  const out = $('vote-result');
  out.textContent = '';
  try {
    const plan = await node.planVote(proposal.id, approve, wasm.identityCommitment(store.identity));
    const { proof } = await call({
      op: 'prove-ledger-vote', base: keysBase('membership'), vkHash: plan.vk_hash,
      request: { identity: JSON.parse(store.identity), path: plan.path, statement: plan.statement },
    }, showProgress);
    // A fresh key per vote: the signer is public, so the member's own account would tie the
    // vote to it. Any key may send a vote; its nonce is 0.
    const signed = JSON.parse(wasm.signVote(wasm.newAccount(), head.chain_id, 0, proposal.id, approve, proof));
    const st = await submitAndFollow(signed, out);
    out.textContent = `vote included at height ${st.height}`;
    refreshProposals();
  } catch (e) { out.textContent = e.message; }
}
async function refreshProposals() {
  const ul = $('proposals');
  ul.textContent = '';
  for (const p of (await node.proposals()).filter((x) => x.status === 'open')) {
    const li = document.createElement('li');
    li.textContent = `proposal ${p.id} (loan ${p.loan}): ${p.yes} yes, ${p.no} no, ${p.needed} needed `;
    for (const [label, approve] of [['yes', true], ['no', false]]) {
      const b = document.createElement('button');
      b.textContent = label;
      b.dataset.vote = `${p.id}:${label}`;
      b.onclick = () => vote(p, approve);
      li.append(b);
    }
    ul.append(li);
  }
}

// --- start ------------------------------------------------------------------------------
async function refresh() {
  head = await node.head();
  const me = account() ? await node.account(account()) : null;
  const member = !!(me && me.member);
  $('membership').textContent = member ? `member since ${new Date(me.member.joined_at * 1000).toISOString()}, capital ${me.member.capital}` : 'not a member';
  policies = await node.policies();
  await showCredential();
  await refreshPolicies(member);
  if (member) await refreshLoans();
  await refreshProposals();
}
async function start() {
  await init();
  showIdentity();
  try {
    await refresh();
    // Fetch (or find cached) and check the policy keys in the background.
    call({ op: 'keys', base: keysBase('policy') }, showProgress).then(
      (k) => status(`ready: ${k.circuit} keys ${k.downloaded ? `downloaded (${k.downloaded} bytes)` : 'from cache'}${k.insecure ? ' (INSECURE test keys)' : ''}, ${k.threads} thread(s)`),
      (e) => status(`keys: ${e.message}`),
    );
    status('loading keys');
  } catch (e) {
    status(`cannot reach the co-op node: ${e.message}`);
  }
}
start();
