//! A session's chain behind a node's API v1 (`node/openapi.json`): plans from `/v1/plan/*`,
//! paths from `/v1/registry/path` and `/v1/members`, submission to `POST /v1/tx` and fates
//! from `GET /v1/tx/{hash}`.
//!
//! HTTP client: [`reqwest`]'s blocking API. reqwest is the ecosystem's most used and best
//! maintained HTTP client, already in this workspace's dependency tree (the node's tests), so
//! the client adds no new stack; its blocking API suits the CLI, which is synchronous (a
//! member's session proves, signs and waits, one step after another). Built without TLS
//! features: a co-op node is reached over plain HTTP on a trusted network or behind a
//! TLS-terminating proxy; enabling `rustls-tls` is a one-line change when needed.
//! The blocking client must not be used inside an async runtime (it runs its own).

use crate::chain::{Chain, Plan, VotePlan};
use crate::ClientError;
use serde_json::Value;
use std::time::Duration;
use zkcredit_circuits::credential::NUM_ATTRS;
use zkcredit_circuits::field::from_decimal;
use zkcredit_circuits::merkle::MerklePath;
use zkcredit_circuits::policy::{Clause, NUM_CLAUSES};
use zkcredit_circuits::Fr;
use zkcredit_ledger::{codec, Account, ExpectedPolicy, Hash, Tx, TxStatus};

/// A node's base URL and an HTTP client.
pub struct NodeChain {
    base: String,
    http: reqwest::blocking::Client,
}

fn bad(url: &str, reason: impl ToString) -> ClientError {
    ClientError::Http {
        url: url.to_string(),
        reason: reason.to_string(),
    }
}

fn field(url: &str, v: &Value, name: &str) -> Result<Fr, ClientError> {
    let s = v
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(url, format!("answer lacks {name}")))?;
    from_decimal(s).map_err(|e| bad(url, format!("{name}: {e}")))
}

fn uint(url: &str, v: &Value, name: &str) -> Result<u64, ClientError> {
    v.get(name)
        .and_then(Value::as_u64)
        .ok_or_else(|| bad(url, format!("answer lacks {name}")))
}

fn text(url: &str, v: &Value, name: &str) -> Result<String, ClientError> {
    v.get(name)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| bad(url, format!("answer lacks {name}")))
}

fn path_of(url: &str, v: &Value) -> Result<(MerklePath, Fr), ClientError> {
    let index = uint(url, v, "index")?;
    let siblings = v
        .get("siblings")
        .and_then(Value::as_array)
        .ok_or_else(|| bad(url, "answer lacks siblings"))?
        .iter()
        .map(|level| {
            let l = level
                .as_array()
                .filter(|l| l.len() == 3)
                .ok_or_else(|| bad(url, "a level of siblings is not three values"))?;
            let mut out = [Fr::from(0u64); 3];
            for (o, x) in out.iter_mut().zip(l) {
                *o = from_decimal(x.as_str().unwrap_or_default())
                    .map_err(|e| bad(url, format!("sibling: {e}")))?;
            }
            Ok(out)
        })
        .collect::<Result<Vec<_>, ClientError>>()?;
    Ok((MerklePath { index, siblings }, field(url, v, "root")?))
}

fn clauses(url: &str, st: &Value) -> Result<[Clause; NUM_CLAUSES], ClientError> {
    let list = st
        .get("clauses")
        .and_then(Value::as_array)
        .filter(|c| c.len() == NUM_CLAUSES)
        .ok_or_else(|| bad(url, format!("answer lacks {NUM_CLAUSES} clauses")))?;
    let parsed = list
        .iter()
        .map(|c| {
            let coeffs: Vec<i64> = serde_json::from_value(c["coeffs"].clone())
                .map_err(|e| bad(url, format!("clause coeffs: {e}")))?;
            let constant: i128 = c["constant"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad(url, "clause constant is not an integer string"))?;
            Ok(Clause {
                coeffs: coeffs
                    .try_into()
                    .map_err(|_| bad(url, "clause has the wrong number of coefficients"))?,
                constant,
            })
        })
        .collect::<Result<Vec<_>, ClientError>>()?;
    parsed
        .try_into()
        .map_err(|_| bad(url, "wrong number of clauses"))
}

impl NodeChain {
    /// A client for the node at `base` (e.g. `http://127.0.0.1:8080`).
    ///
    /// # Errors
    /// [`ClientError::Http`] when the client cannot be built.
    pub fn new(base: &str) -> Result<Self, ClientError> {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| bad(base, e))?;
        Ok(Self {
            base: base.trim_end_matches('/').to_string(),
            http,
        })
    }

    fn answer(&self, url: &str, r: reqwest::blocking::Response) -> Result<Value, ClientError> {
        let status = r.status();
        let v: Value = r.json().map_err(|e| bad(url, e))?;
        if status.is_success() {
            return Ok(v);
        }
        Err(ClientError::Node {
            status: status.as_u16(),
            code: v["error"]["code"].as_str().unwrap_or("unknown").to_string(),
            message: v["error"]["message"].as_str().unwrap_or("").to_string(),
        })
    }

    /// `GET` a path of API v1 (e.g. `/v1/head`) as JSON.
    ///
    /// # Errors
    /// [`ClientError::Node`] with the node's code; [`ClientError::Http`].
    pub fn get(&self, path: &str) -> Result<Value, ClientError> {
        let url = format!("{}{path}", self.base);
        let r = self.http.get(&url).send().map_err(|e| bad(&url, e))?;
        self.answer(&url, r)
    }

    fn plan(&self, path: &str) -> Result<Plan, ClientError> {
        let url = format!("{}{path}", self.base);
        let v = self.get(path)?;
        let st = &v["statement"];
        let now = uint(&url, st, "now")? + uint(&url, st, "time_tolerance")? / 2;
        Ok(Plan {
            expected: ExpectedPolicy {
                issuer: field(&url, st, "issuer")?,
                schema: uint(&url, st, "schema")?,
                clauses: clauses(&url, st)?,
                request: field(&url, st, "request")?,
                scope: field(&url, st, "scope")?,
                holder: field(&url, st, "holder")?,
                max_credential_age: st["max_credential_age"].as_u64(),
            },
            rate_bps: v["tx"]["rate_bps"].as_u64().unwrap_or(0),
            nonce: uint(&url, &v["tx"], "nonce")?,
            now,
            circuit: text(&url, &v, "circuit")?,
            vk_hash: text(&url, &v, "vk_hash")?,
        })
    }
}

impl Chain for NodeChain {
    fn chain_id(&self) -> Result<String, ClientError> {
        let v = self.get("/v1/head")?;
        text(&self.base, &v, "chain_id")
    }

    fn next_nonce(&self, account: &Account) -> Result<u64, ClientError> {
        let v = self.get(&format!("/v1/accounts/{}", hex::encode(account)))?;
        uint(&self.base, &v, "next_nonce")
    }

    fn plan_application(
        &self,
        account: &Account,
        policy_id: u64,
        amount: u64,
        term: u64,
    ) -> Result<Plan, ClientError> {
        self.plan(&format!(
            "/v1/plan/loan?account={}&policy_id={policy_id}&amount={amount}&term={term}",
            hex::encode(account)
        ))
    }

    fn plan_admission(
        &self,
        account: &Account,
        identity: Fr,
        deposit: u64,
    ) -> Result<Plan, ClientError> {
        self.plan(&format!(
            "/v1/plan/join?account={}&identity={}&deposit={deposit}",
            hex::encode(account),
            zkcredit_circuits::field::to_decimal(&identity)
        ))
    }

    fn credential_path(&self, leaf: &Fr) -> Result<(MerklePath, Fr), ClientError> {
        let path = format!(
            "/v1/registry/path/{}",
            zkcredit_circuits::field::to_decimal(leaf)
        );
        let v = self.get(&path)?;
        path_of(&self.base, &v)
    }

    fn plan_vote(
        &self,
        proposal: u64,
        approve: bool,
        identity: &Fr,
    ) -> Result<VotePlan, ClientError> {
        let url = format!("{}/v1/plan/vote", self.base);
        let v = self.get(&format!(
            "/v1/plan/vote?proposal={proposal}&approve={approve}&identity={}",
            zkcredit_circuits::field::to_decimal(identity)
        ))?;
        let (path, _) = path_of(&url, &v["path"])?;
        let st = &v["statement"];
        Ok(VotePlan {
            path,
            root: field(&url, st, "root")?,
            scope: field(&url, st, "scope")?,
            signal: field(&url, st, "signal")?,
            circuit: text(&url, &v, "circuit")?,
            vk_hash: text(&url, &v, "vk_hash")?,
        })
    }

    fn amount_due(&self, loan: u64) -> Result<u64, ClientError> {
        let url = format!("{}/v1/loans/{loan}", self.base);
        let v = self.get(&format!("/v1/loans/{loan}"))?;
        let status = text(&url, &v, "status")?;
        if status != "active" {
            return Err(ClientError::Refused(
                zkcredit_ledger::TxError::WrongLoanStatus {
                    loan,
                    expected: "active",
                    found: if status == "repaid" {
                        "repaid"
                    } else {
                        "not active"
                    },
                },
            ));
        }
        let next = uint(&url, &v, "next")? as usize;
        let inst = v["schedule"]
            .get(next)
            .ok_or_else(|| bad(&url, "no instalment is due"))?;
        let mut total = 0u64;
        for part in ["principal", "interest", "late_fee"] {
            total = total
                .checked_add(uint(&url, inst, part)?)
                .ok_or_else(|| bad(&url, "amount overflows"))?;
        }
        Ok(total)
    }

    fn history(&self, account: &Account) -> Result<([u64; NUM_ATTRS], u64), ClientError> {
        let url = format!("{}/v1/accounts/{}", self.base, hex::encode(account));
        let v = self.get(&format!("/v1/accounts/{}", hex::encode(account)))?;
        let m = &v["member"];
        if m.is_null() {
            return Err(zkcredit_ledger::TxError::NotAMember.into());
        }
        let attrs: [u64; NUM_ATTRS] = serde_json::from_value(m["history_attrs"].clone())
            .map_err(|e| bad(&url, format!("history_attrs: {e}")))?;
        Ok((attrs, uint(&url, m, "history_attrs_at")?))
    }

    fn submit(&mut self, tx: &Tx) -> Result<Hash, ClientError> {
        let url = format!("{}/v1/tx", self.base);
        let body = serde_json::json!({"tx": hex::encode(codec::encode(tx))});
        let r = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .map_err(|e| bad(&url, e))?;
        let v = self.answer(&url, r)?;
        let h = text(&url, &v, "hash")?;
        hex::decode(&h)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad(&url, "hash is not 32 bytes of hex"))
    }

    fn status(&self, hash: &Hash) -> Result<Option<TxStatus>, ClientError> {
        let url = format!("{}/v1/tx/{}", self.base, hex::encode(hash));
        let v = match self.get(&format!("/v1/tx/{}", hex::encode(hash))) {
            Ok(v) => v,
            Err(ClientError::Node { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some(match text(&url, &v, "status")?.as_str() {
            "pending" => TxStatus::Pending,
            "included" => TxStatus::Included {
                height: uint(&url, &v, "height")?,
                index: u32::try_from(uint(&url, &v, "index")?)
                    .map_err(|_| bad(&url, "index out of range"))?,
            },
            "rejected" => TxStatus::Rejected {
                height: uint(&url, &v, "height")?,
                reason: text(&url, &v, "reason")?,
                code: text(&url, &v, "rule")?,
            },
            other => return Err(bad(&url, format!("unknown status {other:?}"))),
        }))
    }

    fn settle(&mut self, hash: &Hash, patience: u64) -> Result<TxStatus, ClientError> {
        let deadline = std::time::Instant::now() + Duration::from_secs(patience);
        loop {
            match self.status(hash)? {
                Some(TxStatus::Pending) | None if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(200));
                }
                Some(s) => return Ok(s),
                None => {
                    return Err(ClientError::StillPending(hex::encode(hash)));
                }
            }
        }
    }
}
