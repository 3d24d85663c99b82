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

/// Calls a JSON-protocol API of the moto server (e.g. SageMaker) directly: the SDK for that
/// service is not a dependency of the deploy engine.
#[allow(dead_code)]
pub(crate) fn moto_json(endpoint: &str, target: &str, service: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to moto");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: {target}\r\nAuthorization: AWS4-HMAC-SHA256 \
         Credential=testing/20240101/us-west-2/{service}/aws4_request, SignedHeaders=host, \
         Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The environment of the current credentials, bootstrapped with the default qualifier
/// (idempotent; the golden assembly expects it).
#[allow(dead_code)]
pub(crate) async fn bootstrapped_environment() -> sagecdk_deploy::environment::AwsEnvironment {
    use sagecdk_deploy::bootstrap::{BootstrapOptions, bootstrap};
    use sagecdk_deploy::environment::{AwsEnvironment, EnvironmentOptions};
    moto_endpoint();
    let env = AwsEnvironment::resolve(
        &EnvironmentOptions::default(),
        "aws://unknown-account/unknown-region",
    )
    .await
    .expect("environment");
    bootstrap(&env, &BootstrapOptions::default())
        .await
        .expect("bootstrap");
    env
}
