// The co-op node's API, as the wallet uses it: every call the page makes to the node goes
// through this one module. The node speaks JSON over HTTP under /v1/ (issue 10); the paths
// below are the wallet's assumptions about it, in one place so that connecting the real node
// changes only this file.
//
// Nothing passed to these functions may contain the identity secret or a credential's
// attributes: the page sends proofs, public inputs, the identity commitment and the loan
// request, never the files themselves (the browser test checks every request).

export class NodeApi {
  /** @param {string} base the node's origin and prefix, e.g. "" (same origin) or "https://coop.example" */
  constructor(base = '') {
    this.base = base.replace(/\/$/, '');
  }

  async #get(path) {
    const res = await fetch(`${this.base}/v1/${path}`, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`node: GET /v1/${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  async #post(path, body) {
    const res = await fetch(`${this.base}/v1/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`node: POST /v1/${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : {};
  }

  /** The chain: `{chain_id, now, keys: {policy: "<url of keys dir>", membership: "<url>"}}`. */
  info() { return this.#get('info'); }

  /** The co-op's policies: `[{id, name, policy: <POLICY.json>, scope}]`. */
  policies() { return this.#get('policies'); }

  /** The credential registry (the CLI's registry file) the node accepts roots of. */
  registry() { return this.#get('registry'); }

  /** The member tree (registry format, leaves are identity commitments). */
  members() { return this.#get('members'); }

  /**
   * What a policy proof for this application must say: `{policy_id, root, issuer, now,
   * scope, request}` (the public inputs the node will check).
   */
  expectedStatement(policyId, account) {
    return this.#get(`policies/${encodeURIComponent(policyId)}/statement?account=${encodeURIComponent(account)}`);
  }

  /** Loans of an account with their schedules. */
  loans(account) { return this.#get(`loans?account=${encodeURIComponent(account)}`); }

  /** Open proposals: `[{id, title, scope}]`. */
  proposals() { return this.#get('proposals'); }

  /** Submits a transaction `{kind, request?, proof}`; returns the node's receipt. */
  submit(tx) { return this.#post('transactions', tx); }
}
