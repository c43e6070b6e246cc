// Fixtures for the browser tests and benchmark, all made by the real `zkcredit` CLI: seeded
// (insecure, test-only) keys for the policy and membership circuits, two policies, and the
// stand-in node's state files. Also the headless Chromium launch the project uses.

import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WWW = path.join(REPO, 'wallet/www');
export const DEPTH = Number(process.env.ZKCREDIT_WALLET_DEPTH || 20);

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

/** score >= 650; debt-to-income after a 400 instalment at most 36 %; balance >= 1200; on-time >= 12. */
export const STANDARD_POLICY = {
  clauses: [
    { coeffs: [1, 0, 0, 0, 0, 0, 0, 0], constant: -650 },
    { coeffs: [0, 3600, -10000, 0, 0, 0, 0, 0], constant: -4000000 },
    { coeffs: [0, 0, 0, 1, 0, 0, 0, 0], constant: -1200 },
    { coeffs: [0, 0, 0, 0, 1, 0, 0, 0], constant: -12 },
  ],
};
/** score >= 800: the sample borrower fails its clause 0. */
export const PRIME_POLICY = { clauses: [{ coeffs: [1, 0, 0, 0, 0, 0, 0, 0], constant: -800 }] };

/** A fresh world: `{dir, keys, registryFile, membersFile, policies, ...}` for startServer. */
export function makeWorld(keys) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zkc-wallet-'));
  const registryFile = path.join(dir, 'registry.json');
  const membersFile = path.join(dir, 'members.json');
  // Other holders' leaves, so the paths are not trivial.
  for (const leaf of ['11', '12', '13']) run(['registry', 'add', registryFile, '--leaf', leaf, '--depth', String(DEPTH)]);
  for (const leaf of ['21', '22']) run(['registry', 'add', membersFile, '--leaf', leaf, '--depth', String(DEPTH)]);
  return {
    dir, www: WWW, zkcredit: zkcredit(), chainId: 'coop-test', now: 1_800_000_000, keys,
    registryFile, membersFile,
    policies: [
      { id: 1, name: 'Standard loan', policy: STANDARD_POLICY, scope: 'pool-1/epoch-7' },
      { id: 2, name: 'Prime loan', policy: PRIME_POLICY, scope: 'pool-2/epoch-7' },
    ],
    proposals: [{ id: 7, title: 'Raise the reserve to 12 %', scope: 'proposal-7' }],
  };
}

/** Attributes of the sample borrower (bureau-v1), chosen to be unlike any other number sent. */
export const ATTRS = [731, 5123, 811, 9377, 37, 13, 3, 49];

/** The issuer gives `commitment` a credential and attests it; the member tree admits it. */
export function issue(world, commitment) {
  const cred = path.join(world.dir, 'credential.json');
  run(['credential', 'issue', '--issuer', '1', '--subject', commitment, '--schema', '1',
    '--attrs', ATTRS.join(','), '--issued-at', '1700000000', '--expires-at', '1900000000',
    '--out', cred, '--registry', world.registryFile]);
  run(['registry', 'add', world.membersFile, '--leaf', commitment]);
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
