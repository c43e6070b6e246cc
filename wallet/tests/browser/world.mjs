// Fixtures for the browser tests and benchmark, all made by the real `zkcredit` CLI: seeded
// (insecure, test-only) keys for the policy and membership circuits, a real ledger directory
// (genesis, an officer, a registered issuer, policies, admission open), a real `zkcredit node`
// serving it and the wallet, and the issuer's side (credential issue, attest). Also the
// headless Chromium launch the project uses.

import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import readline from 'node:readline';
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WWW = path.join(REPO, 'wallet/www');
export const DEPTH = Number(process.env.ZKCREDIT_WALLET_DEPTH || 20);
export const CHAIN_ID = 'coop-test';
export const ISSUER_ID = '1';

export function zkcredit() {
  const bin = process.env.ZKCREDIT_BIN;
  if (!bin || !fs.existsSync(bin)) throw new Error('set ZKCREDIT_BIN to the zkcredit binary');
  return bin;
}

export function run(args) {
  return execFileSync(zkcredit(), args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** Keys directories for policy and membership at DEPTH (seeded: reproducible, insecure). */
export function makeKeys(dir) {
  const keys = { policy: path.join(dir, 'keys-policy'), membership: path.join(dir, 'keys-membership') };
  run(['setup', '--circuit', 'policy', '--depth', String(DEPTH), '--seed', '13', '--out', keys.policy]);
  run(['setup', '--circuit', 'membership', '--depth', String(DEPTH), '--seed', '14', '--out', keys.membership]);
  return keys;
}

/** A wallet directory as `zkcredit node --wallet` serves it: the page (wallet/www) and the keys. */
export function makeWalletDir(dir, keys) {
  const w = path.join(dir, 'wallet');
  fs.mkdirSync(path.join(w, 'keys'), { recursive: true });
  for (const f of fs.readdirSync(WWW)) fs.symlinkSync(path.join(WWW, f), path.join(w, f));
  fs.symlinkSync(keys.policy, path.join(w, 'keys/policy'));
  fs.symlinkSync(keys.membership, path.join(w, 'keys/membership'));
  return w;
}

/** A field element as the ledger's JSON writes it: a decimal string (docs/formats.md). */
export function fieldJson(dec) {
  return BigInt(dec).toString();
}

/** Schema bureau-v1: score, income, debt, balance, on-time, ...; `coeffs` by position. */
const clause = (coeffs, constant, instalment = 0) => ({
  coeffs: [...coeffs, ...Array(8 - coeffs.length).fill(0)], constant, instalment_coeff: instalment,
});
const rules = (name, clauses, extra = {}) => ({
  name, clauses, issuer: fieldJson(ISSUER_ID), schema: 1, max_credential_age: null, rate_bps: 900,
  max_amount: 1_000_000, max_term: 24, active: true, ...extra,
});
/** The co-op's policies: 1 admits members, 2 lends to them, 3 lends only to high scores. */
export const POLICIES = {
  1: rules('Admission', [clause([1], -600)]),
  // score >= 650; 36 % of income covers debt and the new instalment; balance >= 1200; on-time >= 12
  2: rules('Standard loan', [
    clause([1], -650), clause([0, 3600, -10000], 0, 10000), clause([0, 0, 0, 1], -1200), clause([0, 0, 0, 0, 1], -12),
  ]),
  3: rules('Prime loan', [clause([1], -800)]),
};

/** Attributes of the sample borrower (bureau-v1), chosen to be unlike any other number sent. */
export const ATTRS = [731, 5123, 811, 9377, 1237, 1913, 2203, 4049];

/**
 * A fresh ledger directory: officer and issuer keys, genesis, the issuer registered, the
 * policies set and admission open (one block, made by the CLI before any node runs).
 */
export function makeLedger(scratch, keys) {
  const dir = path.join(scratch, 'ledger');
  const officer = path.join(scratch, 'officer.json');
  const issuer = path.join(scratch, 'issuer.json');
  run(['ledger', 'keygen', '--out', officer]);
  run(['ledger', 'keygen', '--out', issuer]);
  run(['ledger', 'init', '--dir', dir, '--policy-keys', keys.policy, '--membership-keys', keys.membership,
    '--officer', officer, '--chain-id', CHAIN_ID]);
  const issuerAccount = JSON.parse(fs.readFileSync(issuer, 'utf8')).account;
  const bodies = [
    { RegisterIssuer: { issuer: fieldJson(ISSUER_ID), account: issuerAccount, name: 'Bureau' } },
    ...Object.entries(POLICIES).map(([id, r]) => ({ SetPolicy: { policy_id: Number(id), rules: r } })),
    { SetAdmission: { policy_id: 1 } },
  ];
  bodies.forEach((b, i) => {
    const f = path.join(scratch, `body-${i}.json`);
    fs.writeFileSync(f, JSON.stringify(b));
    run(['ledger', 'submit', '--dir', dir, '--key', officer, '--body', f]);
  });
  run(['ledger', 'produce', '--dir', dir]);
  return { dir, officer, issuer, issuerAccount };
}

/** Starts `zkcredit node --dir D --listen 127.0.0.1:0 --wallet W`; resolves to `{url, stop}`. */
export async function startNode(dir, walletDir) {
  const child = spawn(zkcredit(), ['node', '--dir', dir, '--listen', '127.0.0.1:0', '--wallet', walletDir,
    '--block-interval', '0.5'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  child.stderr.on('data', (d) => logs.push(d.toString()));
  const url = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.on('line', (l) => { const m = l.match(/listening on (http:\/\/\S+)/); if (m) resolve(m[1]); });
    child.on('exit', (code) => reject(new Error(`zkcredit node exited (${code}): ${logs.join('')}`)));
  });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
  return { url, stop, logs };
}

/** Follows a transaction at the node until it is included or rejected. */
export async function follow(url, hash) {
  for (let i = 0; i < 240; i++) {
    const st = await (await fetch(`${url}/v1/tx/${hash}`)).json();
    if (st.status !== 'pending') return st;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`transaction ${hash} still pending`);
}

/** Signs `body` with a key file (`zkcredit ledger sign`), submits it to the node, follows it. */
export async function submit(url, keyFile, body) {
  const account = JSON.parse(fs.readFileSync(keyFile, 'utf8')).account;
  const { next_nonce: nonce } = await (await fetch(`${url}/v1/accounts/${account}`)).json();
  const f = path.join(os.tmpdir(), `zkc-body-${process.pid}-${Date.now()}.json`);
  fs.writeFileSync(f, JSON.stringify(body));
  const signed = run(['ledger', 'sign', '--key', keyFile, '--body', f, '--chain-id', CHAIN_ID, '--nonce', String(nonce), '--out', '-']);
  fs.rmSync(f);
  const res = await fetch(`${url}/v1/tx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: signed });
  const receipt = await res.json();
  if (res.status !== 202) throw new Error(`submit: ${res.status} ${JSON.stringify(receipt)}`);
  return follow(url, receipt.hash);
}

/**
 * The issuer's side: a credential for the identity commitment the browser shows (the secret
 * stays there), attested on the ledger through the node. Returns the credential file's path.
 */
export async function issueAndAttest(scratch, ledger, url, commitment) {
  const cred = path.join(scratch, 'credential.json');
  const now = Math.floor(Date.now() / 1000);
  const out = JSON.parse(run(['credential', 'issue', '--issuer', ISSUER_ID, '--subject', commitment, '--schema', '1',
    '--attrs', ATTRS.join(','), '--issued-at', String(now - 3600), '--expires-at', String(now + 365 * 86400),
    '--out', cred]));
  const st = await submit(url, ledger.issuer, { Attest: { commitment: fieldJson(out.commitment) } });
  if (st.status !== 'included') throw new Error(`attest: ${JSON.stringify(st)}`);
  return cred;
}

export const CHROMIUM = process.env.ZKCREDIT_CHROMIUM || '/usr/bin/chromium';

export async function launch() {
  const require = createRequire(path.join(REPO, '.ci/package.json'));
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}
