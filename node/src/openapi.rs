//! The OpenAPI 3.1 document of API v1, checked in as `node/openapi.json` and served at
//! `/openapi.json`. A test checks that it lists exactly the routes of [`crate::router`].

/// The document.
pub const DOCUMENT: &str = include_str!("../openapi.json");

/// The `/v1` routes the router serves, as OpenAPI paths.
pub const V1_ROUTES: &[&str] = &[
    "/v1/head",
    "/v1/state",
    "/v1/tx",
    "/v1/tx/{hash}",
    "/v1/blocks",
    "/v1/blocks/{height}",
    "/v1/blocks/hash/{hash}",
    "/v1/pool",
    "/v1/members",
    "/v1/members/path/{identity}",
    "/v1/accounts/{account}",
    "/v1/loans",
    "/v1/loans/{id}",
    "/v1/proposals",
    "/v1/proposals/{id}",
    "/v1/policies",
    "/v1/registry/roots",
    "/v1/registry/path/{leaf}",
    "/v1/plan/join",
    "/v1/plan/loan",
    "/v1/plan/vote",
    "/v1/verify",
];

#[cfg(test)]
mod tests {
    #[test]
    fn document_lists_exactly_the_routes() {
        let doc: serde_json::Value = serde_json::from_str(super::DOCUMENT).expect("valid JSON");
        let mut documented: Vec<&str> = doc["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .map(String::as_str)
            .collect();
        documented.sort_unstable();
        let mut served = super::V1_ROUTES.to_vec();
        served.sort_unstable();
        assert_eq!(documented, served);
    }
}
