//! How the engine talks to AWS over the network: connect and read timeouts (a stalled
//! connection fails and is retried instead of hanging the deployment), and a record of the
//! endpoint each service was last called at, so that an error of a call that got no answer
//! names the endpoint.

use aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use std::sync::Mutex;
use std::time::Duration;

/// Seconds to wait for a connection, unless `SAGECDK_CONNECT_TIMEOUT` says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 10;
/// Seconds to wait for an answer once a request is sent, unless `SAGECDK_READ_TIMEOUT` says
/// otherwise (uploads get [`UPLOAD_READ_TIMEOUT_FACTOR`] times as long: their request bodies
/// are large).
pub const DEFAULT_READ_TIMEOUT_SECS: u64 = 60;
/// How many read timeouts an S3 upload may take (its body is sent before the answer comes).
pub const UPLOAD_READ_TIMEOUT_FACTOR: u32 = 5;

/// Environment variable overriding the connect timeout (seconds).
pub const CONNECT_TIMEOUT_ENV: &str = "SAGECDK_CONNECT_TIMEOUT";
/// Environment variable overriding the read timeout (seconds).
pub const READ_TIMEOUT_ENV: &str = "SAGECDK_READ_TIMEOUT";

/// A timeout from the environment variable `var` (seconds, fractions allowed), else `default`.
/// A value that is not a positive number is an error naming the variable.
fn timeout_from_env(var: &str, default: u64) -> Result<Duration, String> {
    match std::env::var(var) {
        Ok(text) if !text.trim().is_empty() => parse_seconds(var, &text),
        _ => Ok(Duration::from_secs(default)),
    }
}

/// A positive number of seconds, at most a day.
fn parse_seconds(var: &str, text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{var}='{text}' is not a number of seconds between 0 and 86400"))
}

/// The connect and read timeouts of API calls (from the environment or the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Time to establish a connection.
    pub connect: Duration,
    /// Time to wait for the answer to a sent request.
    pub read: Duration,
}

impl Timeouts {
    /// The timeouts `SAGECDK_CONNECT_TIMEOUT` and `SAGECDK_READ_TIMEOUT` set, else the defaults.
    pub fn from_env() -> Result<Self, String> {
        let connect = timeout_from_env(CONNECT_TIMEOUT_ENV, DEFAULT_CONNECT_TIMEOUT_SECS);
        let read = timeout_from_env(READ_TIMEOUT_ENV, DEFAULT_READ_TIMEOUT_SECS);
        match (connect, read) {
            (Ok(connect), Ok(read)) => Ok(Timeouts { connect, read }),
            (Err(a), Err(b)) => Err(format!("{a}; {b}")),
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }

    /// The SDK's timeout configuration for API calls.
    pub fn api(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .read_timeout(self.read)
            .build()
    }

    /// The SDK's timeout configuration for uploads (a longer read timeout).
    pub fn upload(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .read_timeout(self.read * UPLOAD_READ_TIMEOUT_FACTOR)
            .build()
    }
}

/// The last endpoint (scheme, host and port) each service was called at.
static LAST_ENDPOINTS: Mutex<Vec<(&'static str, String)>> = Mutex::new(Vec::new());

/// The endpoint `service` (as operations name it: `CloudFormation`, `S3`, …) was last called at.
pub(crate) fn last_endpoint(service: &str) -> Option<String> {
    let list = LAST_ENDPOINTS.lock().unwrap_or_else(|e| e.into_inner());
    list.iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(service))
        .map(|(_, e)| e.clone())
}

/// The scheme, host and port of a URI (path and query dropped).
fn origin(uri: &str) -> &str {
    let after_scheme = uri.find("://").map_or(0, |i| i + 3);
    let end = uri[after_scheme..]
        .find(['/', '?'])
        .map_or(uri.len(), |i| after_scheme + i);
    &uri[..end]
}

/// Records the endpoint of every request a client sends (see [`last_endpoint`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordEndpoint {
    /// The service, as operations name it.
    pub(crate) service: &'static str,
}

impl Intercept for RecordEndpoint {
    fn name(&self) -> &'static str {
        "RecordEndpoint"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        let endpoint = origin(context.request().uri()).to_string();
        let mut list = LAST_ENDPOINTS.lock().unwrap_or_else(|e| e.into_inner());
        match list.iter_mut().find(|(s, _)| *s == self.service) {
            Some(entry) => entry.1 = endpoint,
            None => list.push((self.service, endpoint)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            origin("https://cloudformation.us-east-1.amazonaws.com/?Action=X"),
            "https://cloudformation.us-east-1.amazonaws.com"
        );
        assert_eq!(
            origin("http://127.0.0.1:5000/bucket/key"),
            "http://127.0.0.1:5000"
        );
        assert_eq!(origin("http://host"), "http://host");
    }

    #[test]
    fn timeouts_from_the_environment() {
        assert_eq!(
            timeout_from_env("SAGECDK_TEST_UNSET_TIMEOUT", 7),
            Ok(Duration::from_secs(7))
        );
        assert_eq!(parse_seconds("V", " 1.5 "), Ok(Duration::from_millis(1500)));
        for bad in ["0", "-3", "x", "NaN", "inf", "90000"] {
            let err = parse_seconds("V", bad).expect_err(bad);
            assert_eq!(
                err,
                format!("V='{bad}' is not a number of seconds between 0 and 86400")
            );
        }
    }
}
