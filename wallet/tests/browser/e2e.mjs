// End to end in headless Chromium against a real node: a real ledger directory (genesis, an
// officer, a registered issuer, policies, admission open) served by `zkcredit node --wallet`,
// which also serves the page. A fresh page creates its identity and its account key (both
// stay in the browser); the issuer (the CLI) issues a credential to the commitment the page
// shows and attests it on the ledger through the node; the page imports the credential,
// proves admission in its Web Worker, signs the join in wasm and follows it to inclusion;
// sees which policy it qualifies for and which clause of the other fails; proves, signs and
// submits a loan application, and the node includes it: the loan is approved, its schedule
// shown. The browser's proof verifies with `zkcredit verify` and with the node's verify; a
// tampered one is refused by both. On reload the keys come from the browser's cache. No
// request the page sent carries the identity secret, the signing key, the credential's salt
// or any attribute value.
//
// Run: ZKCREDIT_BIN=target/debug/zkcredit node wallet/tests/browser/e2e.mjs

import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  makeKeys, makeLedger, makeWalletDir, startNode, issueAndAttest, launch, run, ATTRS, zkcredit,
} from './world.mjs';

const TIMEOUT = 10 * 60_000;
const step = (s) => console.log(`-- ${s}`);
const waitText = (page, id, re) => page.waitForFunction(
  ([i, src]) => new RegExp(src).test(document.getElementById(i).textContent), [id, re.source], { timeout: TIMEOUT });

const scratch = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'zkc-e2e-'));
step('keys (zkcredit setup --seed), ledger (zkcredit ledger init/submit/produce), node');
const keys = makeKeys(scratch);
const ledger = makeLedger(scratch, keys);
const node = await startNode(ledger.dir, makeWalletDir(scratch, keys));
const browser = await launch();
const context = await browser.newContext();
const seen = []; // every request the browser made, page and worker, as Playwright saw it
context.on('request', (r) => seen.push({ method: r.method(), url: r.url(), headers: r.headers(), body: r.postData() || '' }));
const page = await context.newPage();
page.on('console', (m) => console.log(`   [page] ${m.text()}`));
page.on('pageerror', (e) => console.log(`   [page error] ${e.message}`));
const ready = () => page.waitForFunction(() => document.getElementById('status').textContent.startsWith('ready:'), null, { timeout: TIMEOUT });

try {
  step('fresh page from the node, keys downloaded and checked in the worker');
  await page.goto(`${node.url}/wallet/`);
  await ready();
  const firstStatus = await page.textContent('#status');
  assert.match(firstStatus, /downloaded \(\d+ bytes\)/, firstStatus);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP make the page cross-origin isolated');

  step('identity and account key made in the browser');
  await page.click('#new-identity');
  const commitment = (await page.textContent('#commitment')).trim();
  const account = (await page.textContent('#account')).trim();
  assert.match(commitment, /^\d+$/);
  assert.match(account, /^[0-9a-f]{64}$/);
  const identity = JSON.parse(await page.evaluate(() => localStorage.getItem('zkcredit.identity')));
  const accountKey = JSON.parse(await page.evaluate(() => localStorage.getItem('zkcredit.account')));
  assert.equal(accountKey.account, account);

  step('the issuer issues a credential to the shown commitment and attests it through the node');
  const credFile = await issueAndAttest(scratch, ledger, node.url, commitment);
  const credential = JSON.parse(fs.readFileSync(credFile, 'utf8'));
  await page.setInputFiles('#credential-file', credFile);
  await waitText(page, 'credential-summary', /attested in the co-op registry/);
  assert.doesNotMatch(await page.textContent('#credential-summary'), /NOT attested/);

  step('a credential of another identity is refused on import, naming why');
  await page.fill('#credential-text', JSON.stringify({ ...credential, subject: '5' }));
  await page.click('#import-credential');
  assert.match(await page.textContent('#status'), /credential: refused: this credential was issued to identity 5, not to yours/);

  step('join: admission proof in the worker, join signed in wasm, included by the node');
  await page.click('#join');
  await waitText(page, 'join-result', /joined|rejected|node:|refused|error/i);
  assert.match(await page.textContent('#join-result'), /joined: included at height \d+/, await page.textContent('#join-result'));
  const member = await (await fetch(`${node.url}/v1/accounts/${account}`)).json();
  assert.equal(member.member.identity, commitment, 'the ledger has the browser identity as a member');

  step('on reload the keys come from the cache; policies: one qualifies, the other names the failing clause');
  await page.reload();
  await ready();
  assert.match(await page.textContent('#status'), /from cache/, 'keys come from the Cache API after the first download');
  await page.waitForFunction(() => /qualify/.test(document.querySelector('li[data-policy="3"] span')?.textContent || ''), null, { timeout: TIMEOUT });
  assert.equal(await page.textContent('li[data-policy="2"] span'), 'you qualify');
  assert.match(await page.textContent('li[data-policy="3"] span'), /you do not qualify: clause 0 \(.*score.*\) fails/);

  step('apply: proof in the worker, application signed in wasm, loan approved by the node');
  await page.selectOption('#policy', '2');
  await page.click('#apply');
  await waitText(page, 'apply-result', /included|rejected|node:|refused|error/i);
  const result = await page.textContent('#apply-result');
  assert.match(result, /included at height \d+: loan \d+ approved/, result);
  assert.equal(await page.evaluate(() => document.getElementById('progress').value), 100);
  const loans = (await (await fetch(`${node.url}/v1/loans`)).json()).loans.filter((l) => l.borrower === account);
  assert.equal(loans.length, 1);
  assert.equal(loans[0].status, 'approved');
  assert.equal(loans[0].amount, 10000);
  await page.waitForSelector(`#loans li[data-loan="${loans[0].id}"][data-status="approved"]`);
  console.log(`   ${await page.textContent('#status')}`);

  step('the browser proof verifies with zkcredit verify and the node; a tampered one is refused by both');
  const proofText = await page.textContent('#proof');
  const proofFile = path.join(scratch, 'browser-proof.json');
  fs.writeFileSync(proofFile, proofText);
  execFileSync(zkcredit(), ['verify', '--keys', keys.policy, proofFile], { stdio: 'inherit' });
  const proof = JSON.parse(proofText);
  const tampered = { ...proof, public_inputs: [...proof.public_inputs] };
  tampered.public_inputs[3] = String(BigInt(tampered.public_inputs[3]) + 1n); // `now`
  const tamperedFile = path.join(scratch, 'tampered.json');
  fs.writeFileSync(tamperedFile, JSON.stringify(tampered));
  let refused = false;
  try { execFileSync(zkcredit(), ['verify', '--keys', keys.policy, tamperedFile], { stdio: 'pipe' }); } catch (e) { refused = e.status !== 0; }
  assert.ok(refused, 'zkcredit verify refuses a tampered proof');
  const nodeVerify = async (p) => {
    const res = await fetch(`${node.url}/v1/verify`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ circuit: 'policy', public_inputs: p.public_inputs, proof: p.proof }),
    });
    return { status: res.status, body: await res.json() };
  };
  const good = await nodeVerify(proof);
  assert.equal(good.status, 200, JSON.stringify(good.body));
  assert.equal(good.body.valid, true, JSON.stringify(good.body));
  const bad = await nodeVerify(tampered);
  assert.notEqual(bad.body.valid, true, `the node refuses a tampered proof: ${JSON.stringify(bad.body)}`);
  // The included application, submitted again, is refused (replay).
  const applyTx = seen.filter((r) => r.method === 'POST' && r.url.endsWith('/v1/tx')).at(-1);
  const replay = await fetch(`${node.url}/v1/tx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: applyTx.body });
  assert.ok(replay.status >= 400 && replay.status < 500, `a replayed application is refused: ${replay.status}`);

  step("keys that are not the ledger's are refused before proving, naming both keys");
  const mismatch = await page.evaluate(async (base) => {
    const w = new Worker('worker.js', { type: 'module' });
    const answer = await new Promise((resolve) => {
      w.onmessage = (e) => { if (!e.data.progress) resolve(e.data); };
      w.postMessage({ id: 1, op: 'prove-ledger-policy', base, vkHash: '00'.repeat(32), request: {} });
    });
    w.terminate();
    return answer;
  }, new URL('keys/policy', `${node.url}/wallet/`).href);
  assert.match(mismatch.error || '', /are not the ledger's \(0{64}\): a proof made with them would be refused/, JSON.stringify(mismatch));

  step('no request carries the identity secret, the signing key, the salt or an attribute');
  const secrets = [identity.secret, accountKey.secret, credential.salt];
  const token = (n) => new RegExp(`(^|[^0-9A-Za-z])${n}([^0-9A-Za-z]|$)`);
  assert.ok(seen.some((r) => r.method === 'POST'), 'the page did send transactions');
  for (const r of seen) {
    const text = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`;
    for (const s of secrets) assert.ok(!text.includes(s), `${r.method} ${r.url} carries a secret`);
    // Attribute values as decimal tokens in the URL and the body (a transaction is one hex
    // token, its proof binary: a value would show only as its own token).
    for (const a of ATTRS) assert.ok(!token(a).test(`${r.url}\n${r.body}`), `${r.method} ${r.url} carries attribute value ${a}`);
  }
  console.log(`   checked ${seen.length} requests`);
  console.log('wallet e2e: 1 passed, 0 failed');
} finally {
  await browser.close();
  const code = await node.stop();
  if (code !== 0) console.log(node.logs.join(''));
}
run(['ledger', 'verify', '--dir', ledger.dir]);
