// A minimal HTTP server for the wallet's browser tests and benchmark, on 127.0.0.1:0, with
// the COOP/COEP headers a multi-threaded wasm page needs. It serves the page (wallet/www),
// the keys directories made by `zkcredit setup`, and a stand-in for the co-op node's /v1 API
// (issue 10's node is not on this branch): state comes from files the real CLI wrote, and a
// submitted proof is accepted only if `zkcredit verify` accepts it against the expected
// policy, registry, request, scope and time. Every request is recorded (method, URL,
// headers, body) so the test can check what the page sent.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.bin': 'application/octet-stream',
};

function sendFile(res, file) {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return send(res, 404, { error: 'not found' });
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Resolves `rel` under `root`, refusing paths that climb out of it. */
function under(root, rel) {
  const p = path.resolve(root, '.' + path.posix.normalize('/' + decodeURIComponent(rel)));
  return p.startsWith(path.resolve(root) + path.sep) ? p : null;
}

/**
 * Starts the server. `world` = {www, zkcredit, chainId, now, keys: {policy, membership},
 * policies: [{id, name, policy, scope, file}], registryFile, membersFile, proposals}.
 */
export async function startServer(world) {
  const log = [];
  const applications = [];
  const votes = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    log.push({ method: req.method, url: req.url, headers: req.headers, body });
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    const url = new URL(req.url, 'http://127.0.0.1');
    const p = url.pathname;
    try {
      if (p.startsWith('/v1/')) return api(req.method, p.slice(4), url, body, res);
      for (const [name, dir] of Object.entries(world.keys)) {
        const prefix = `/keys/${name}/`;
        if (p.startsWith(prefix)) {
          const f = under(dir, p.slice(prefix.length));
          return f ? sendFile(res, f) : send(res, 404, { error: 'not found' });
        }
      }
      const f = under(world.www, p === '/' ? 'index.html' : p.slice(1));
      return f ? sendFile(res, f) : send(res, 404, { error: 'not found' });
    } catch (e) {
      return send(res, 500, { error: String(e) });
    }
  });

  const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));

  function verify(keysDir, proof, args) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zkc-submit-'));
    const proofFile = path.join(tmp, 'proof.json');
    fs.writeFileSync(proofFile, JSON.stringify(proof));
    const extra = [];
    for (const [k, v] of Object.entries(args)) {
      let value = v;
      if (typeof v === 'object') { value = path.join(tmp, `${k}.json`); fs.writeFileSync(value, JSON.stringify(v)); }
      extra.push(`--${k}`, String(value));
    }
    try {
      execFileSync(world.zkcredit, ['verify', '--keys', keysDir, ...extra, proofFile], { stdio: 'pipe' });
      return null;
    } catch (e) {
      return (e.stderr || e.stdout || String(e)).toString().trim();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  function api(method, route, url, body, res) {
    if (method === 'GET' && route === 'info') {
      return send(res, 200, { chain_id: world.chainId, now: world.now, keys: { policy: '/keys/policy', membership: '/keys/membership' } });
    }
    if (method === 'GET' && route === 'policies') {
      return send(res, 200, world.policies.map(({ id, name, policy, scope }) => ({ id, name, policy, scope })));
    }
    if (method === 'GET' && route === 'registry') return send(res, 200, readJson(world.registryFile));
    if (method === 'GET' && route === 'members') return send(res, 200, readJson(world.membersFile));
    if (method === 'GET' && route === 'proposals') return send(res, 200, world.proposals);
    if (method === 'GET' && route === 'loans') {
      const account = url.searchParams.get('account');
      return send(res, 200, applications.filter((a) => a.request.account === account));
    }
    const m = route.match(/^policies\/(\d+)\/statement$/);
    if (method === 'GET' && m) {
      const policy = world.policies.find((x) => String(x.id) === m[1]);
      if (!policy) return send(res, 404, { error: `no policy ${m[1]}` });
      return send(res, 200, { chain_id: world.chainId, now: world.now, scope: policy.scope, nonce: applications.length + 1 });
    }
    if (method === 'POST' && route === 'transactions') {
      const tx = JSON.parse(body);
      if (tx.kind === 'apply') {
        const policy = world.policies.find((x) => x.id === tx.request.policy_id);
        if (!policy) return send(res, 422, { error: `no policy ${tx.request.policy_id}` });
        const err = verify(world.keys.policy, tx.proof, {
          policy: policy.policy, registry: world.registryFile, request: tx.request, scope: policy.scope, now: world.now,
        });
        if (err) return send(res, 422, { error: err });
        const loan = { id: applications.length + 1, request: tx.request, status: 'approved',
          schedule: Array.from({ length: tx.request.term }, (_, i) => ({ instalment: i + 1 })) };
        applications.push(loan);
        return send(res, 200, { accepted: true, loan: loan.id, status: loan.status });
      }
      if (tx.kind === 'vote') {
        const proposal = world.proposals.find((x) => x.id === tx.proposal);
        if (!proposal) return send(res, 422, { error: `no proposal ${tx.proposal}` });
        const err = verify(world.keys.membership, tx.proof, {
          registry: world.membersFile, scope: proposal.scope, signal: tx.vote,
        });
        if (err) return send(res, 422, { error: err });
        votes.push({ proposal: tx.proposal, vote: tx.vote });
        return send(res, 200, { accepted: true, votes: votes.length });
      }
      return send(res, 422, { error: `unknown transaction kind ${tx.kind}` });
    }
    return send(res, 404, { error: `no route ${method} /v1/${route}` });
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, log, applications, votes, close: () => new Promise((r) => server.close(r)) };
}
