// The co-op node's API v1 (node/openapi.json, docs/api.md), as the wallet uses it: every call
// the page makes to the node goes through this one module.
//
// Nothing passed to these functions may contain the identity secret, the account's signing
// key or a credential's attributes: the page sends the identity commitment, the credential's
// registry leaf, loan terms, and signed transactions (proofs and public inputs), never the
// files themselves (the browser test checks every request).

export class NodeApi {
  /** @param {string} base the node's origin, e.g. "" (same origin) or "https://coop.example" */
  constructor(base = '') {
    this.base = base.replace(/\/$/, '');
  }

  async #request(method, path, body) {
    const init = { method, headers: { accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(`${this.base}/v1/${path}`, init);
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : {}; } catch (_) { /* not JSON: reported below */ }
    if (!res.ok) {
      const msg = json && json.error ? `${json.error.code}: ${json.error.message}` : text;
      const e = new Error(`node: ${method} /v1/${path}: ${res.status} ${msg}`);
      e.status = res.status;
      throw e;
    }
    if (json === null) throw new Error(`node: ${method} /v1/${path}: not JSON`);
    return json;
  }

  #get(path) { return this.#request('GET', path); }

  /** `{chain_id, height, hash, time, state_hash, pending}`. */
  head() { return this.#get('head'); }

  /** `{account, nonce, pending, next_nonce, member: {identity, index, capital, ...} | null}`. */
  account(account) { return this.#get(`accounts/${account}`); }

  /** `[{id, rules: {name, clauses, issuer, schema, rate_bps, max_amount, max_term, active}}]`. */
  async policies() { return (await this.#get('policies')).policies; }

  /** The registry path of a credential's leaf (decimal): `{index, siblings, root}`; 404 if not attested. */
  registryPath(leaf) { return this.#get(`registry/path/${leaf}`); }

  /** What an admission proof must state: `{circuit, tx: {identity, deposit, nonce, policy_id}, statement}`. */
  planJoin(account, identity, deposit) {
    const q = new URLSearchParams({ account, identity, deposit: String(deposit) });
    return this.#get(`plan/join?${q}`);
  }

  /** What a loan application must state: `{circuit, tx: {policy_id, amount, term, rate_bps, nonce}, statement}`. */
  planLoan(account, policyId, amount, term) {
    const q = new URLSearchParams({ account, policy_id: String(policyId), amount: String(amount), term: String(term) });
    return this.#get(`plan/loan?${q}`);
  }

  /** What a vote must state, with the voter's path: `{circuit, tx, path, statement: {root, scope, signal}}`. */
  planVote(proposal, approve, identity) {
    const q = new URLSearchParams({ proposal: String(proposal), approve: String(approve), identity });
    return this.#get(`plan/vote?${q}`);
  }

  /** All loans with their schedules. */
  async loans() { return (await this.#get('loans')).loans; }

  /** All proposals with their tallies. */
  async proposals() { return (await this.#get('proposals')).proposals; }

  /** Submits a signed transaction (hex of its canonical encoding): `{hash, status: "pending"}`. */
  submit(txHex) { return this.#request('POST', 'tx', { tx: txHex }); }

  /** A transaction's status: `{hash, status: pending|included|rejected, height?, index?, reason?}`. */
  txStatus(hash) { return this.#get(`tx/${hash}`); }

  /**
   * Follows a submitted transaction until it is included or rejected; `onStatus` sees each
   * status. Gives up after `timeoutMs`.
   */
  async follow(hash, onStatus = () => {}, timeoutMs = 120_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const st = await this.txStatus(hash);
      onStatus(st);
      if (st.status !== 'pending') return st;
      if (Date.now() > end) throw new Error(`transaction ${hash} still pending after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
