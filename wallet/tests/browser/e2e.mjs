// End to end in headless Chromium: a fresh page creates an identity, imports the credential
// its issuer (the real CLI) made for it, sees which policy it qualifies for and which clause
// of the other fails, proves in the Web Worker, and applies; the stand-in node accepts the
// application only because `zkcredit verify` accepts the browser's proof. A tampered proof
// is refused by `zkcredit verify` and by the node. A member's anonymous vote is proved and
// accepted the same way. On reload the keys come from the browser's cache. Finally: no
// request the page sent carries the identity secret, the credential's salt or any attribute.
//
// Run: ZKCREDIT_BIN=target/debug/zkcredit node wallet/tests/browser/e2e.mjs

import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer } from './server.mjs';
import { makeKeys, makeWorld, issue, launch, ATTRS, zkcredit } from './world.mjs';

const TIMEOUT = 10 * 60_000;
const step = (s) => console.log(`-- ${s}`);

const scratch = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'zkc-e2e-'));
step('keys (zkcredit setup --seed)');
const keys = makeKeys(scratch);
const world = makeWorld(keys);
const server = await startServer(world);
const browser = await launch();
const context = await browser.newContext();
const seen = []; // every request the browser made, as Playwright saw it (page and worker)
context.on('request', (r) => seen.push({ url: r.url(), headers: r.headers(), body: r.postData() || '' }));
const page = await context.newPage();
page.on('console', (m) => console.log(`   [page] ${m.text()}`));
page.on('pageerror', (e) => console.log(`   [page error] ${e.message}`));

try {
  step('fresh page, keys downloaded and checked in the worker');
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('ready:'), null, { timeout: TIMEOUT });
  const firstStatus = await page.textContent('#status');
  assert.match(firstStatus, /downloaded \(\d+ bytes\)/, firstStatus);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP make the page cross-origin isolated');

  step('identity made in the browser');
  await page.click('#new-identity');
  const commitment = (await page.textContent('#commitment')).trim();
  assert.match(commitment, /^\d+$/);
  const identity = JSON.parse(await page.evaluate(() => localStorage.getItem('zkcredit.identity')));
  assert.notEqual(identity.secret, commitment);

  step('issuer issues and attests a credential (CLI); the page imports it');
  const credFile = issue(world, commitment);
  const credential = JSON.parse(fs.readFileSync(credFile, 'utf8'));
  await page.reload(); // the registry changed: read it again
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('ready:'), null, { timeout: TIMEOUT });
  assert.match(await page.textContent('#status'), /from cache/, 'keys come from the Cache API after the first download');
  await page.setInputFiles('#credential-file', credFile);
  await page.waitForFunction(() => /attested in the co-op registry/.test(document.getElementById('credential-summary').textContent));
  assert.doesNotMatch(await page.textContent('#credential-summary'), /NOT attested/);

  step('policies: one qualifies, the other names the failing clause in words');
  const standard = await page.textContent('li[data-policy="1"] span');
  const prime = await page.textContent('li[data-policy="2"] span');
  assert.equal(standard, 'you qualify');
  assert.match(prime, /you do not qualify: clause 0 \(.*score.*\) fails/, prime);

  step('a wrong credential is refused on import, naming why');
  const other = { ...credential, subject: '5' };
  await page.fill('#credential-text', JSON.stringify(other));
  await page.click('#import-credential');
  assert.match(await page.textContent('#status'), /credential: refused: this credential was issued to identity 5, not to yours/);

  step('apply: proof in the worker, submitted, accepted by zkcredit verify');
  await page.selectOption('#policy', '1');
  await page.click('#apply');
  await page.waitForFunction(() => /submitted|node:|refused|error/i.test(document.getElementById('apply-result').textContent), null, { timeout: TIMEOUT });
  const result = await page.textContent('#apply-result');
  assert.match(result, /submitted: .*"accepted":true.*"status":"approved"/, result);
  assert.equal(await page.evaluate(() => document.getElementById('progress').value), 100);
  assert.equal(server.applications.length, 1);
  console.log(`   ${await page.textContent('#status')}`);

  step('the browser proof verifies with zkcredit verify; a tampered one is refused');
  const proofText = await page.textContent('#proof');
  const proofFile = path.join(scratch, 'browser-proof.json');
  fs.writeFileSync(proofFile, proofText);
  execFileSync(zkcredit(), ['verify', '--keys', keys.policy, proofFile], { stdio: 'inherit' });
  const proof = JSON.parse(proofText);
  const tampered = { ...proof, public_inputs: [...proof.public_inputs] };
  tampered.public_inputs[2] = String(BigInt(tampered.public_inputs[2]) + 1n); // `now`
  const tamperedFile = path.join(scratch, 'tampered.json');
  fs.writeFileSync(tamperedFile, JSON.stringify(tampered));
  let refused = false;
  try { execFileSync(zkcredit(), ['verify', '--keys', keys.policy, tamperedFile], { stdio: 'pipe' }); } catch (e) { refused = e.status !== 0; }
  assert.ok(refused, 'zkcredit verify refuses a tampered proof');
  const tx = server.log.find((r) => r.method === 'POST' && r.url === '/v1/transactions');
  const res = await fetch(`${server.url}/v1/transactions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...JSON.parse(tx.body), proof: tampered }),
  });
  assert.equal(res.status, 422, 'the node refuses a tampered proof');
  assert.equal(server.applications.length, 1);

  step('loans: the approved loan and its schedule');
  await page.click('#refresh-loans');
  await page.waitForFunction(() => /approved/.test(document.getElementById('loans').textContent));

  step('a member votes anonymously (membership proof in the worker)');
  await page.click('button[data-vote="7:yes"]');
  await page.waitForFunction(() => document.getElementById('vote-result').textContent.length > 0, null, { timeout: TIMEOUT });
  assert.match(await page.textContent('#vote-result'), /vote submitted: .*"accepted":true/);

  step('no request carries the identity secret, the salt or an attribute');
  const secrets = [identity.secret, credential.salt];
  const token = (n) => new RegExp(`(^|[^0-9A-Za-z])${n}([^0-9A-Za-z]|$)`);
  const requests = [
    ...server.log.map((r) => ({ where: `server ${r.method} ${r.url}`, text: `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}` })),
    ...seen.map((r) => ({ where: `browser ${r.url}`, text: `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}` })),
  ];
  assert.ok(server.log.some((r) => r.method === 'POST'), 'the page did send transactions');
  for (const r of requests) {
    for (const s of secrets) assert.ok(!r.text.includes(s), `${r.where} carries a secret`);
    const bodyAndUrl = r.text.split('\n').filter((_, i) => i !== 1).join('\n');
    for (const a of ATTRS) assert.ok(!token(a).test(bodyAndUrl), `${r.where} carries attribute value ${a}`);
  }
  console.log(`   checked ${requests.length} requests (${server.log.length} at the server)`);
  console.log('wallet e2e: 1 passed, 0 failed');
} finally {
  await browser.close();
  await server.close();
}
