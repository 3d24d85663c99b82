//! A moto server of a test's own, on a free port, killed when dropped: for fault cases that
//! stop the server, enforce IAM authentication or need an environment nobody bootstrapped (the
//! shared server of `scripts/services.sh` is never changed or stopped).
//!
//! Shared by the deploy engine's and the command line's fault tests (the latter include this
//! file by path).

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "http.rs"]
mod http;

/// A private moto server.
pub(crate) struct PrivateMoto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub(crate) endpoint: String,
}

impl PrivateMoto {
    /// Starts `moto_server` of the workspace's `.venv` and waits until it answers.
    pub(crate) fn start() -> PrivateMoto {
        let moto = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server");
        assert!(
            moto.exists(),
            "{} is missing: install it with `scripts/services.sh start`",
            moto.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts moto_server");
        let server = PrivateMoto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto_server did not answer on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Stops the server (again on drop).
    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends one HTTP request and returns the status and body.
    fn call(&self, path: &str, headers: &str, body: &str) -> (u16, String) {
        http::request(&self.endpoint, "POST", path, headers, body)
    }

    /// Calls an AWS Query-protocol API (IAM, STS) with unchecked test credentials.
    fn query(&self, service: &str, params: &[(&str, &str)]) -> String {
        let body = params
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let headers = format!(
            "Content-Type: application/x-www-form-urlencoded\r\n{}",
            http::test_authorization("us-west-2", service)
        );
        let (status, text) = self.call("/", &headers, &body);
        assert_eq!(status, 200, "{service} {params:?}: {text}");
        text
    }

    /// Creates IAM user `name` with the inline policy `policy` (a JSON document) and an access
    /// key; returns the key id and secret. Call before [`PrivateMoto::enforce_auth`].
    pub(crate) fn create_user(&self, name: &str, policy: &str) -> (String, String) {
        self.query(
            "iam",
            &[
                ("Action", "CreateUser"),
                ("Version", "2010-05-08"),
                ("UserName", name),
            ],
        );
        self.query(
            "iam",
            &[
                ("Action", "PutUserPolicy"),
                ("Version", "2010-05-08"),
                ("UserName", name),
                ("PolicyName", "sagecdk-test"),
                ("PolicyDocument", policy),
            ],
        );
        let key = self.query(
            "iam",
            &[
                ("Action", "CreateAccessKey"),
                ("Version", "2010-05-08"),
                ("UserName", name),
            ],
        );
        (
            xml_text(&key, "AccessKeyId").expect("AccessKeyId"),
            xml_text(&key, "SecretAccessKey").expect("SecretAccessKey"),
        )
    }

    /// From now on every request must be signed by a known access key and be allowed by the
    /// policies of its user, as in AWS.
    pub(crate) fn enforce_auth(&self) {
        let (status, text) = self.call("/moto-api/reset-auth", "", "0");
        assert_eq!(status, 200, "reset-auth: {text}");
    }
}

impl PrivateMoto {
    /// From now on Step Functions runs the executions of state machines created through its
    /// API (moto's interpreter; not those CloudFormation creates).
    pub(crate) fn execute_state_machines(&self) {
        let (status, text) = self.call(
            "/moto-api/config",
            "Content-Type: application/json\r\n",
            r#"{"stepfunctions": {"execute_state_machine": true}}"#,
        );
        assert_eq!(status, 201, "moto config: {text}");
    }

    /// Turns authentication off again (moto's default), e.g. to inspect what a rejected
    /// deployment left behind.
    pub(crate) fn relax_auth(&self) {
        let (status, text) = self.call("/moto-api/reset-auth", "", "inf");
        assert_eq!(status, 200, "reset-auth: {text}");
    }

    /// The names of the stacks that exist (not deleted). Needs authentication off.
    pub(crate) fn stack_names(&self) -> Vec<String> {
        let text = self.query(
            "cloudformation",
            &[("Action", "DescribeStacks"), ("Version", "2010-05-08")],
        );
        let mut names: Vec<String> = text
            .split("<member>")
            .skip(1)
            .filter(|m| !m.contains("<StackStatus>DELETE_COMPLETE</StackStatus>"))
            .filter_map(|m| xml_text(m, "StackName"))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The deployed template of stack `name` (its body as the service returns it, XML-escaped).
    /// Needs authentication off.
    pub(crate) fn template_body(&self, name: &str) -> String {
        let text = self.query(
            "cloudformation",
            &[
                ("Action", "GetTemplate"),
                ("StackName", name),
                ("Version", "2010-05-08"),
            ],
        );
        xml_text(&text, "TemplateBody").unwrap_or_default()
    }

    /// The names of the S3 buckets. Needs authentication off.
    pub(crate) fn bucket_names(&self) -> Vec<String> {
        let (status, text) = self.get("/");
        assert_eq!(status, 200, "ListBuckets: {text}");
        text.split("<Bucket>")
            .skip(1)
            .filter_map(|b| xml_text(b, "Name"))
            .collect()
    }

    fn get(&self, path: &str) -> (u16, String) {
        http::request(
            &self.endpoint,
            "GET",
            path,
            &http::test_authorization("us-west-2", "s3"),
            "",
        )
    }
}

impl Drop for PrivateMoto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The text of the first `<tag>` element.
pub(crate) fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].to_string())
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
