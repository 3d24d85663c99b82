//! The server end to end over loopback HTTP: content negotiation in every format, bad input
//! answered with clear statuses while the server keeps serving, the model's load, limits,
//! concurrency, batch parameters, and a drain on SIGTERM of a server process.

use sagecdk_serve::{InferenceError, InferenceSpec, LocalEndpoint, Schema, ServerConfig, Tensor};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Scores rows as the dot product with `weights.txt`; `[-1, …]` panics, `[-2, …]` sleeps a
/// second, `[-3, …]` is refused with 422.
struct Linear;

impl InferenceSpec for Linear {
    type Model = Vec<f32>;
    type Input = Tensor;
    type Output = Tensor;

    fn load(&self, dir: &Path) -> Result<Vec<f32>, InferenceError> {
        let text = std::fs::read_to_string(dir.join("weights.txt")).map_err(|e| {
            InferenceError::internal(format!("{}: {e}", dir.join("weights.txt").display()))
        })?;
        if text.trim() == "panic" {
            panic!("weights.txt says panic");
        }
        text.split_whitespace()
            .map(|w| {
                w.parse()
                    .map_err(|_| InferenceError::internal(format!("bad weight '{w}'")))
            })
            .collect()
    }

    fn invoke(&self, rows: Tensor, weights: &Vec<f32>) -> Result<Tensor, InferenceError> {
        let n = rows.shape().first().copied().unwrap_or(0);
        let mut scores = Vec::with_capacity(n);
        for i in 0..n {
            let row = rows
                .row(i)
                .ok_or_else(|| InferenceError::bad_request("expected rows"))?;
            match row.first() {
                Some(-1.0) => panic!("row {i} asked for a panic"),
                Some(-2.0) => std::thread::sleep(Duration::from_secs(1)),
                Some(-3.0) => {
                    return Err(InferenceError::unprocessable(format!("row {i} is refused")));
                }
                _ => {}
            }
            if row.len() != weights.len() {
                return Err(InferenceError::unprocessable(format!(
                    "expected {} features, got {}",
                    weights.len(),
                    row.len()
                )));
            }
            scores.push(row.iter().zip(weights).map(|(x, w)| x * w).sum());
        }
        Ok(Tensor::from_vec(scores))
    }
}

fn schema() -> Schema<Tensor, Tensor> {
    Schema::new(
        Tensor::from_rows(vec![vec![1.0, 2.0, 3.0]]).expect("rows"),
        Tensor::from_vec(vec![0.0]),
    )
    .expect("schema")
}

fn model_dir(weights: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("weights.txt"), weights).expect("write");
    dir
}

fn config(dir: &Path) -> ServerConfig {
    ServerConfig {
        host: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        model_dir: dir.to_path_buf(),
        log_level: sagecdk_serve::Level::Error,
        ..ServerConfig::default()
    }
}

fn error_of(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body).expect("JSON error")["error"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn every_format_is_negotiated_and_bad_input_gets_a_clear_status() {
    let dir = model_dir("1 0.5 2");
    let endpoint = LocalEndpoint::start(Linear, schema(), dir.path()).expect("starts");
    assert_eq!(endpoint.ping().expect("ping"), 200);

    // The same rows in every input type, answered in every output type.
    let rows = Tensor::from_rows(vec![vec![1.0, 2.0, 3.0], vec![0.0, 4.0, 1.0]]).expect("rows");
    for (ct, body) in [
        ("text/csv", b"1,2,3\n0,4,1\n".to_vec()),
        ("application/json", b"[[1,2,3],[0,4,1]]".to_vec()),
        ("application/x-npy", rows.to_npy()),
        ("text/csv; charset=utf-8", b"1,2,3\r\n0,4,1\r\n".to_vec()),
    ] {
        let json = endpoint
            .invoke(&body, ct, "application/json")
            .expect("json");
        assert_eq!(
            (json.status, json.text()),
            (200, "[8,4]".to_string()),
            "{ct}"
        );
        let csv = endpoint.invoke(&body, ct, "text/csv").expect("csv");
        assert_eq!(
            (csv.content_type.as_str(), csv.text()),
            ("text/csv", "8\n4\n".to_string())
        );
        let npy = endpoint
            .invoke(&body, ct, "application/x-npy")
            .expect("npy");
        assert_eq!(
            Tensor::from_npy(&npy.body).expect("npy"),
            Tensor::from_vec(vec![8.0, 4.0])
        );
    }
    // No Accept: the first output type; `*/*` and quality values.
    let default = endpoint.invoke(b"1,2,3", "text/csv", "").expect("default");
    assert_eq!(default.content_type, "application/x-npy");
    let chosen = endpoint
        .invoke(
            b"1,2,3",
            "text/csv",
            "application/x-npy;q=0.2, application/json;q=0.9",
        )
        .expect("q");
    assert_eq!(chosen.content_type, "application/json");

    // Wrong types, malformed bodies, refusals: a status and a message naming the rule.
    let cases: Vec<(&[u8], &str, &str, u16, &str)> = vec![
        (
            b"1,2,3",
            "image/png",
            "",
            415,
            "content type 'image/png' is not accepted: send one of application/x-npy, text/csv, application/json",
        ),
        (
            b"1,2,3",
            "text/csv",
            "image/png",
            406,
            "cannot answer in any type of Accept 'image/png': accept one of application/x-npy, text/csv, application/json",
        ),
        (
            b"[[1,2,3]",
            "application/json",
            "",
            400,
            "malformed JSON body: EOF while parsing a list at line 1 column 8",
        ),
        (
            b"1,2,x",
            "text/csv",
            "",
            400,
            "CSV line 1, column 3: 'x' is not a number",
        ),
        (
            b"\x93NUMPY\x01\x00\xff\x00{}",
            "application/x-npy",
            "",
            400,
            "malformed .npy body: the header is cut off",
        ),
        (
            b"\x93NUMPY garbage",
            "application/x-npy",
            "",
            400,
            "malformed .npy body: format version 32 is not supported (1 to 3 are)",
        ),
        (b"1,2", "text/csv", "", 422, "expected 3 features, got 2"),
        (b"-3,0,0", "text/csv", "", 422, "row 0 is refused"),
        (
            b"-1,0,0",
            "text/csv",
            "",
            500,
            "the inference code panicked: row 0 asked for a panic",
        ),
    ];
    for (body, ct, accept, status, message) in cases {
        let r = endpoint.invoke(body, ct, accept).expect("answer");
        assert_eq!(
            (r.status, error_of(&r.body)),
            (status, message.to_string()),
            "{ct} {accept}"
        );
    }
    // Still serving after all that.
    assert_eq!(
        endpoint
            .invoke(b"1,1,1", "text/csv", "text/csv")
            .expect("ok")
            .text(),
        "3.5\n"
    );
    let r = endpoint
        .request("GET", "/invocations", b"", "", "")
        .expect("405");
    assert_eq!(r.status, 405);
    let r = endpoint
        .request("GET", "/metrics", b"", "", "")
        .expect("404");
    assert_eq!(r.status, 404);

    // A deep ping sends the schema's sample.
    let (sample, took) = endpoint.deep_ping().expect("deep ping");
    assert_eq!(sample.status, 200);
    assert!(took < Duration::from_secs(5));
}

#[test]
fn a_model_that_fails_to_load_fails_the_ping_with_its_reason() {
    let missing = tempfile::tempdir().expect("tmp");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for (dir, reason) in [
        (
            missing.path().to_path_buf(),
            "weights.txt: No such file or directory (os error 2)".to_string(),
        ),
        (
            model_dir("panic").path().to_path_buf(),
            "the model's load panicked: weights.txt says panic".to_string(),
        ),
    ] {
        let server = runtime
            .block_on(sagecdk_serve::Server::bind(Linear, schema(), config(&dir)))
            .expect("binds");
        let status = server.model_status().expect_err("not loaded");
        assert!(status.ends_with(&reason), "{status}");
        let address = server.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = runtime.spawn(server.serve(async {
            let _ = stopped.await;
        }));
        let ping = runtime
            .block_on(request(address, "GET", "/ping", b"", ""))
            .expect("ping");
        assert_eq!(ping.0, 503);
        assert!(
            error_of(&ping.1).starts_with("the model failed to load: "),
            "{:?}",
            ping.1
        );
        let invoke = runtime
            .block_on(request(
                address,
                "POST",
                "/invocations",
                b"1,2,3",
                "text/csv",
            ))
            .expect("invoke");
        assert_eq!(invoke.0, 503);
        let _ = stop.send(());
        runtime.block_on(serving).expect("joins").expect("stops");
    }
    // LocalEndpoint refuses to start on such a model.
    let err = LocalEndpoint::start(Linear, schema(), missing.path())
        .err()
        .expect("fails");
    assert!(
        err.to_string().contains("the model failed to load"),
        "{err}"
    );
}

/// A request on a new connection: status and body.
async fn request(
    address: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &[u8],
    content_type: &str,
) -> std::io::Result<(u16, Vec<u8>)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.as_bytes().to_vec())
        .unwrap_or_default();
    Ok((status, body))
}

#[test]
fn limits_concurrency_and_batch_parameters_follow_the_settings() {
    let dir = model_dir("1 1 1");
    let settings = |k: &str| {
        match k {
            "SAGEMAKER_MODEL_SERVER_WORKERS" => Some("1"),
            "SAGEMAKER_MODEL_SERVER_TIMEOUT" => Some("3"),
            "SAGEMAKER_MAX_PAYLOAD_IN_MB" => Some("1"),
            _ => None,
        }
        .map(String::from)
    };
    let mut config = ServerConfig::from_vars(settings).expect("settings");
    config.host = IpAddr::V4(Ipv4Addr::LOCALHOST);
    config.port = 0;
    config.model_dir = dir.path().to_path_buf();
    config.log_level = sagecdk_serve::Level::Error;
    let endpoint = LocalEndpoint::start_with(Linear, schema(), config).expect("starts");

    let params = endpoint
        .request("GET", "/execution-parameters", b"", "", "")
        .expect("params");
    assert_eq!(
        serde_json::from_slice::<Value>(&params.body).expect("JSON"),
        json!({"MaxConcurrentTransforms": 1, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 1})
    );
    // Over the payload limit: 413, and the server goes on.
    let big = "1,1,1\n".repeat(200_000);
    let r = endpoint
        .invoke(big.as_bytes(), "text/csv", "")
        .expect("413");
    assert_eq!(
        (r.status, error_of(&r.body)),
        (
            413,
            "the request body is larger than 1 MB (SAGEMAKER_MAX_PAYLOAD_IN_MB)".to_string()
        )
    );
    // One worker: two slow requests take two seconds, one after the other.
    let url = endpoint.url();
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let r = endpoint
                    .invoke(b"-2,0,0", "text/csv", "text/csv")
                    .expect("slow");
                assert_eq!(r.status, 200, "{url}: {}", r.text());
            });
        }
    });
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );

    // Invalid settings are all reported by name.
    let err = ServerConfig::from_vars(|k| match k {
        "SAGEMAKER_BIND_TO_PORT" => Some("http".to_string()),
        _ => None,
    })
    .expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "SAGEMAKER_BIND_TO_PORT='http' is not valid: a port number, 1 to 65535"
    );
}

#[test]
fn an_inference_over_the_time_limit_is_answered_504() {
    let dir = model_dir("1 1 1");
    let mut config = config(dir.path());
    config.timeout = Duration::from_millis(300);
    let endpoint = LocalEndpoint::start_with(Linear, schema(), config).expect("starts");
    let r = endpoint.invoke(b"-2,0,0", "text/csv", "").expect("answer");
    assert_eq!(r.status, 504);
    assert_eq!(endpoint.ping().expect("ping"), 200);
}

const FIXTURE: &str = "SAGECDK_SERVE_FIXTURE";

#[test]
#[ignore = "the server program the drain test runs, not a test"]
fn server_fixture() {
    if std::env::var(FIXTURE).is_ok() {
        let code = sagecdk_serve::serve_from_env(Linear, Ok(schema()));
        std::process::exit(if code == std::process::ExitCode::SUCCESS {
            0
        } else {
            1
        });
    }
}

#[test]
fn sigterm_drains_the_requests_in_flight() {
    // SageMaker's layout: the model in `<base>/model`.
    let base = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(base.path().join("model")).expect("dir");
    std::fs::write(base.path().join("model/weights.txt"), "1 1 1").expect("weights");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "server_fixture",
            "--exact",
            "--ignored",
            "--nocapture",
            "--quiet",
        ])
        .env(FIXTURE, "1")
        .env("SAGEMAKER_BIND_TO_PORT", port.to_string())
        .env("SAGEMAKER_BASE_DIR", base.path())
        .env("SAGEMAKER_CONTAINER_LOG_LEVEL", "10")
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut logs = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    while !seen.contains("\"message\":\"serving\"") {
        let mut line = String::new();
        assert!(
            logs.read_line(&mut line).expect("reads") > 0,
            "exited: {seen}"
        );
        seen.push_str(&line);
    }
    let address: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let slow = runtime.spawn(request(
        address,
        "POST",
        "/invocations",
        b"-2,0,0",
        "text/csv",
    ));
    std::thread::sleep(Duration::from_millis(300));
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    let (status, _) = runtime.block_on(slow).expect("joins").expect("answered");
    assert_eq!(status, 200, "the request in flight finishes");
    let exit = child.wait().expect("exits");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut logs, &mut rest).expect("logs");
    seen.push_str(&rest);
    assert!(exit.success(), "{exit:?}: {seen}");
    for message in [
        "\"message\":\"model loaded\"",
        "\"message\":\"draining\"",
        "\"message\":\"stopped\"",
        "\"status\":200",
    ] {
        assert!(seen.contains(message), "{message} missing from {seen}");
    }
    // Every line is a JSON object.
    for line in seen.lines().filter(|l| l.starts_with('{')) {
        serde_json::from_str::<Value>(line).expect("JSON log line");
    }
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "no longer listening"
    );
}
