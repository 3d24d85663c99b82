//! A loopback HTTP proxy in front of a moto server that injects faults: it answers chosen
//! requests itself (throttling, server errors), drops connections without an answer, or
//! rewrites moto's answers, and forwards everything else. Each request is logged with its AWS
//! operation and what was done with it.
//!
//! Shared by the deploy engine's and the command line's fault tests (the latter include this
//! file by path).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A request as the proxy received it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// `GET`, `POST`, …
    pub(crate) method: String,
    /// Path and query.
    pub(crate) path: String,
    /// Header names (lower case) and values.
    pub(crate) headers: Vec<(String, String)>,
    /// The body.
    pub(crate) body: Vec<u8>,
}

impl Request {
    /// The value of header `name` (lower case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The AWS operation: `X-Amz-Target` of JSON protocols (e.g. `AmazonSSM.GetParameter` →
    /// `GetParameter`), `Action` of Query protocols (STS, CloudFormation), else (S3) the method
    /// and path.
    pub(crate) fn operation(&self) -> String {
        if let Some(target) = self.header("x-amz-target") {
            return target.rsplit('.').next().unwrap_or(target).to_string();
        }
        let body = String::from_utf8_lossy(&self.body);
        if let Some(action) = body
            .split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
        {
            return action.to_string();
        }
        format!("S3 {} {}", self.method, self.path)
    }

    /// The value of a form parameter of a Query-protocol request.
    pub(crate) fn form(&self, name: &str) -> Option<String> {
        let body = String::from_utf8_lossy(&self.body);
        body.split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
            .map(form_decode)
    }

    /// The protocol of the request's service, for error bodies.
    fn protocol(&self) -> Protocol {
        if self.header("x-amz-target").is_some() {
            Protocol::Json
        } else if self.operation().starts_with("S3 ") {
            Protocol::RestXml
        } else {
            Protocol::Query
        }
    }
}

enum Protocol {
    Json,
    Query,
    RestXml,
}

/// What the proxy does with a request.
pub(crate) enum Verdict {
    /// Forward it to moto and pass the answer back.
    Forward,
    /// Answer with this HTTP status and AWS error code, in the request's protocol.
    Fail(u16, &'static str),
    /// Answer with the throttling error of the request's protocol: `Throttling` (Query),
    /// `ThrottlingException` (JSON), both HTTP 400, or S3's HTTP 503 `SlowDown`.
    Throttle,
    /// Close the connection without an answer.
    Drop,
    /// Forward it after waiting this long.
    Delay(std::time::Duration),
    /// Forward it and change the body of moto's answer.
    Rewrite(Box<dyn FnOnce(String) -> String + Send>),
}

/// One request seen by the proxy.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// The AWS operation ([`Request::operation`]).
    pub(crate) operation: String,
    /// `forwarded`, `rewritten`, `dropped`, or the injected error code.
    pub(crate) outcome: String,
    /// The HTTP status of the answer (0 when dropped).
    pub(crate) status: u16,
}

type Rule = dyn FnMut(&Request) -> Verdict + Send;

/// The running proxy; it stops with the test process.
pub(crate) struct FaultProxy {
    /// `http://127.0.0.1:<port>`.
    pub(crate) endpoint: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FaultProxy {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:<port>`) that asks `rule`
    /// what to do with each request, in the order they arrive.
    pub(crate) fn start(
        upstream: &str,
        rule: impl FnMut(&Request) -> Verdict + Send + 'static,
    ) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let rule: Arc<Mutex<Box<Rule>>> = Arc::new(Mutex::new(Box::new(rule)));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (upstream, rule, log) = (upstream.clone(), Arc::clone(&rule), Arc::clone(&log));
                std::thread::spawn(move || serve(client, &upstream, &rule, &log));
            }
        });
        FaultProxy { endpoint, seen }
    }

    /// Every request so far.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

/// Serves the requests of one client connection until it closes.
fn serve(client: TcpStream, upstream: &str, rule: &Mutex<Box<Rule>>, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    let mut client = client;
    while let Some((head, request)) = read_request(&mut reader) {
        let verdict = (rule.lock().expect("rule"))(&request);
        let operation = request.operation();
        let (outcome, response) = match verdict {
            Verdict::Forward => (
                "forwarded".to_string(),
                forward(upstream, &head, &request, None),
            ),
            Verdict::Delay(wait) => {
                std::thread::sleep(wait);
                (
                    "delayed".to_string(),
                    forward(upstream, &head, &request, None),
                )
            }
            Verdict::Rewrite(f) => (
                "rewritten".to_string(),
                forward(upstream, &head, &request, Some(f)),
            ),
            Verdict::Fail(status, code) => {
                (code.to_string(), error_response(&request, status, code))
            }
            Verdict::Throttle => {
                let (status, code) = match request.protocol() {
                    Protocol::Query => (400, "Throttling"),
                    Protocol::Json => (400, "ThrottlingException"),
                    Protocol::RestXml => (503, "SlowDown"),
                };
                (code.to_string(), error_response(&request, status, code))
            }
            Verdict::Drop => {
                log.lock().expect("log").push(Seen {
                    operation,
                    outcome: "dropped".into(),
                    status: 0,
                });
                return;
            }
        };
        let status = String::from_utf8_lossy(&response[..response.len().min(16)])
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        log.lock().expect("log").push(Seen {
            operation,
            outcome,
            status,
        });
        if client.write_all(&response).is_err() {
            return;
        }
    }
}

/// Reads one request: the raw head (request line and headers) and the parsed request.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Request)> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut lines = head.lines();
    let mut first = lines.next()?.split_whitespace();
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut request = Request {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    request.body = read_body(reader, &request.headers)?;
    Some((head, request))
}

/// Reads a body framed by `Content-Length` or chunked transfer encoding (decoded).
fn read_body(reader: &mut impl BufRead, headers: &[(String, String)]) -> Option<Vec<u8>> {
    let get = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                return Some(body);
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    let length: usize = get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    body.resize(length, 0);
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

/// Forwards a request to moto on a connection of its own and returns the answer, its body
/// changed by `rewrite`.
fn forward(
    upstream: &str,
    head: &str,
    request: &Request,
    rewrite: Option<Box<dyn FnOnce(String) -> String + Send>>,
) -> Vec<u8> {
    let Ok(mut moto) = TcpStream::connect(upstream) else {
        return Vec::new();
    };
    // The same head without connection or framing headers, which the proxy sets itself.
    let mut out = String::new();
    for line in head.lines() {
        let name = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if line.is_empty()
            || ["connection", "content-length", "transfer-encoding"].contains(&name.as_str())
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        request.body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&request.body);
    if moto.write_all(&bytes).is_err() {
        return Vec::new();
    }
    let mut reader = BufReader::new(moto);
    let mut status_line = String::new();
    let mut headers = Vec::new();
    if reader.read_line(&mut status_line).is_err() {
        return Vec::new();
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let mut body = if headers
        .iter()
        .any(|(k, _)| k == "content-length" || k == "transfer-encoding")
    {
        read_body(&mut reader, &headers).unwrap_or_default()
    } else {
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
        rest
    };
    if let Some(rewrite) = rewrite {
        body = rewrite(String::from_utf8_lossy(&body).into_owned()).into_bytes();
    }
    let mut response = status_line;
    for (k, v) in &headers {
        if !["connection", "content-length", "transfer-encoding"].contains(&k.as_str()) {
            response.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    response.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = response.into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

/// An AWS error answer in the protocol of `request`'s service.
fn error_response(request: &Request, status: u16, code: &str) -> Vec<u8> {
    let message = "Rate exceeded (injected by the test proxy)";
    let (content_type, body) = match request.protocol() {
        Protocol::Json => (
            "application/x-amz-json-1.1",
            format!(r#"{{"__type":"{code}","message":"{message}"}}"#),
        ),
        Protocol::Query => (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
                 <Message>{message}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>"
            ),
        ),
        Protocol::RestXml => (
            "application/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
                 <Message>{message}</Message><RequestId>proxy</RequestId></Error>"
            ),
        ),
    };
    let reason = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nx-amzn-RequestId: proxy\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Decodes one `application/x-www-form-urlencoded` value.
fn form_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
