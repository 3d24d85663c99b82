//! One HTTP/1.1 request to a local service, for the APIs whose SDK is not a dependency.
//!
//! Shared by `common/mod.rs` and `private_moto.rs` (which the command line's tests include by
//! path).

#![allow(dead_code)]

use std::io::{Read, Write};

/// The `Authorization` header line moto accepts without checking: the test credentials, signed
/// for `service` in `region`.
pub(crate) fn test_authorization(region: &str, service: &str) -> String {
    format!(
        "Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/{region}/{service}/aws4_request, \
         SignedHeaders=host, Signature=0\r\n"
    )
}

/// Sends `{method} {path}` with `headers` (each line ending in CRLF) and `body` to `endpoint`
/// (`http://host:port` or `host:port`) on a connection closed after the response; the status
/// and body of the response.
pub(crate) fn request(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String) {
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to moto");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
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
