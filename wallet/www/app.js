// The wallet page. Identity and credential live in this browser's localStorage and are only
// ever handed to the wasm (in this page or in the proving worker); the node sees proofs,
// public inputs, the identity commitment and loan requests (see node-api.js).

import init, * as wasm from './pkg/zkcredit_wallet.js';
import { NodeApi } from './node-api.js';

const $ = (id) => document.getElementById(id);
const store = {
  get identity() { return localStorage.getItem('zkcredit.identity'); },
  set identity(v) { localStorage.setItem('zkcredit.identity', v); },
  get credential() { return localStorage.getItem('zkcredit.credential'); },
  set credential(v) { localStorage.setItem('zkcredit.credential', v); },
};

const params = new URLSearchParams(location.search);
const node = new NodeApi(params.get('node') || '');
let info = null; // the node's /v1/info
let registry = null; // the credential registry file
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

// --- identity ---------------------------------------------------------------------------
function showIdentity() {
  const id = store.identity;
  $('commitment').textContent = id ? wasm.identityCommitment(id) : 'none yet';
}
$('new-identity').onclick = () => {
  if (store.identity && !confirm('Replace your identity? Its secret will be lost.')) return;
  store.identity = wasm.newIdentity();
  showIdentity();
  refreshPolicies();
};
$('import-identity').onclick = () => {
  try {
    const text = $('identity-text').value.trim();
    wasm.identityCommitment(text); // throws naming the problem
    store.identity = text;
    $('identity-text').value = '';
    showIdentity();
    refreshPolicies();
  } catch (e) { status(`identity: ${e.message}`); }
};

// --- credential -------------------------------------------------------------------------
function showCredential() {
  const c = store.credential;
  if (!c || !store.identity) { $('credential-summary').textContent = ''; return; }
  try {
    const s = JSON.parse(wasm.importCredential(store.identity, c, registry ? JSON.stringify(registry) : undefined));
    $('credential-summary').textContent =
      `schema ${s.schema} (${s.attribute_names.join(', ')})\nissuer ${s.issuer}\n` +
      `commitment ${s.commitment}\nregistry leaf ${s.leaf}\n` +
      `valid until ${new Date(s.expires_at * 1000).toISOString()}\n` +
      (s.attested === null ? '' : s.attested ? 'attested in the co-op registry' : 'NOT attested in the co-op registry');
  } catch (e) { $('credential-summary').textContent = e.message; }
}
async function importCredential(text) {
  if (!store.identity) throw new Error('create or import an identity first');
  wasm.importCredential(store.identity, text, registry ? JSON.stringify(registry) : undefined); // throws
  store.credential = text;
  showCredential();
  refreshPolicies();
}
$('credential-file').onchange = async (e) => {
  const f = e.target.files[0];
  if (!f) return;
  try { await importCredential(await f.text()); status('credential imported'); } catch (err) { status(`credential: ${err.message}`); }
};
$('import-credential').onclick = async () => {
  try { await importCredential($('credential-text').value.trim()); $('credential-text').value = ''; status('credential imported'); } catch (err) { status(`credential: ${err.message}`); }
};

// --- policies and the native pre-check --------------------------------------------------
function policyRequest(p, extra = {}) {
  return {
    identity: JSON.parse(store.identity),
    credential: JSON.parse(store.credential),
    registry,
    policy: p.policy,
    now: info.now ?? Math.floor(Date.now() / 1000),
    ...extra,
  };
}
function refreshPolicies() {
  const ul = $('policies');
  ul.textContent = '';
  $('policy').textContent = '';
  for (const p of policies) {
    const li = document.createElement('li');
    li.dataset.policy = p.id;
    let verdict = 'import an identity and a credential to check';
    let cls = '';
    if (store.identity && store.credential && registry) {
      try {
        const c = JSON.parse(wasm.precheckPolicy(JSON.stringify(policyRequest(p))));
        verdict = c.qualifies ? 'you qualify' : `you do not qualify: ${c.reason}`;
        cls = c.qualifies ? 'qualifies' : 'fails';
      } catch (e) { verdict = e.message; cls = 'fails'; }
    }
    li.innerHTML = '<b></b>: <span></span>';
    li.querySelector('b').textContent = p.name;
    li.querySelector('span').textContent = verdict;
    li.querySelector('span').className = cls;
    ul.append(li);
    const opt = document.createElement('option');
    opt.value = p.id;
    opt.textContent = p.name;
    $('policy').append(opt);
  }
}

// --- applying for a loan ----------------------------------------------------------------
$('apply').onclick = async () => {
  $('apply-result').textContent = '';
  try {
    if (!store.identity || !store.credential) throw new Error('import an identity and a credential first');
    const p = policies.find((x) => String(x.id) === $('policy').value);
    const account = $('account').value;
    const expected = await node.expectedStatement(p.id, account);
    const request = {
      chain_id: expected.chain_id, account, amount: Number($('amount').value), term: Number($('term').value),
      rate_bps: Number($('rate').value), policy_id: p.id, nonce: expected.nonce,
    };
    const t0 = performance.now();
    const { proof, proveMs } = await call(
      { op: 'prove-policy', base: info.keys.policy, request: policyRequest(p, { now: expected.now, request, scope: expected.scope }) },
      showProgress,
    );
    $('proof').textContent = proof;
    status(`proof made in ${Math.round(proveMs)} ms (${Math.round(performance.now() - t0)} ms with keys)`);
    const receipt = await node.submit({ kind: 'apply', request, proof: JSON.parse(proof) });
    $('apply-result').textContent = `submitted: ${JSON.stringify(receipt)}`;
    refreshLoans();
  } catch (e) {
    $('apply-result').textContent = e.message;
    showProgress({ stage: 'failed', percent: 0 });
  }
};

// --- loans and proposals ----------------------------------------------------------------
async function refreshLoans() {
  try { $('loans').textContent = JSON.stringify(await node.loans($('account').value), null, 2); } catch (e) { $('loans').textContent = e.message; }
}
$('refresh-loans').onclick = refreshLoans;

async function vote(proposal, choice) {
  $('vote-result').textContent = '';
  try {
    const members = await node.members();
    const { proof } = await call({
      op: 'prove-membership', base: info.keys.membership,
      request: { identity: JSON.parse(store.identity), members, scope: proposal.scope, signal: choice },
    }, showProgress);
    const receipt = await node.submit({ kind: 'vote', proposal: proposal.id, vote: choice, proof: JSON.parse(proof) });
    $('vote-result').textContent = `vote submitted: ${JSON.stringify(receipt)}`;
  } catch (e) { $('vote-result').textContent = e.message; }
}
async function refreshProposals() {
  const ul = $('proposals');
  ul.textContent = '';
  for (const p of await node.proposals()) {
    const li = document.createElement('li');
    li.textContent = `${p.title} `;
    for (const choice of ['yes', 'no']) {
      const b = document.createElement('button');
      b.textContent = choice;
      b.dataset.vote = `${p.id}:${choice}`;
      b.onclick = () => vote(p, choice);
      li.append(b);
    }
    ul.append(li);
  }
}

// --- start ------------------------------------------------------------------------------
async function start() {
  await init();
  showIdentity();
  try {
    info = await node.info();
    [policies, registry] = await Promise.all([node.policies(), node.registry()]);
    showCredential();
    refreshPolicies();
    refreshProposals().catch((e) => { $('vote-result').textContent = e.message; });
    // Fetch (or find cached) and check the policy keys in the background.
    call({ op: 'keys', base: info.keys.policy }, showProgress).then(
      (k) => status(`ready: ${k.circuit} keys ${k.downloaded ? `downloaded (${k.downloaded} bytes)` : 'from cache'}${k.insecure ? ' (INSECURE test keys)' : ''}`),
      (e) => status(`keys: ${e.message}`),
    );
    status('ready');
  } catch (e) {
    status(`cannot reach the co-op node: ${e.message}`);
  }
}
start();
