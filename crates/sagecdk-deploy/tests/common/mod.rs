//! Helpers shared by the end-to-end tests: the environment of the local test services.

pub(crate) const HINT: &str = "start the test services with `scripts/services.sh start` and export their \
                        environment with `eval \"$(scripts/services.sh env)\"`";

pub(crate) fn require(var: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => v,
        _ => panic!("{var} is not set: {HINT}"),
    }
}

/// The moto endpoint, checked to answer.
pub(crate) fn moto_endpoint() -> String {
    let endpoint = require("AWS_ENDPOINT_URL");
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/');
    if std::net::TcpStream::connect(addr).is_err() {
        panic!("moto server at {endpoint} does not answer: {HINT}");
    }
    endpoint
}
