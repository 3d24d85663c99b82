//! `LocalEndpoint`: an inference spec served in-process on a loopback port (no Docker), for
//! unit tests and trying a model before it is deployed — the same server a container runs.

use crate::error::ServeError;
use crate::schema::Schema;
use crate::server::{Server, ServerConfig};
use crate::spec::InferenceSpec;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

/// A response of a [`LocalEndpoint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalResponse {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl LocalResponse {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An inference spec served on `127.0.0.1` by a runtime of its own, stopped when dropped.
///
/// ```
/// use sagecdk_serve::{InferenceError, InferenceSpec, LocalEndpoint, Schema};
/// use std::path::Path;
///
/// struct Shout;
/// impl InferenceSpec for Shout {
///     type Model = ();
///     type Input = String;
///     type Output = String;
///     fn load(&self, _: &Path) -> Result<(), InferenceError> { Ok(()) }
///     fn invoke(&self, text: String, _: &()) -> Result<String, InferenceError> {
///         Ok(text.to_uppercase())
///     }
/// }
///
/// let schema = Schema::new("hello".to_string(), "HELLO".to_string()).unwrap();
/// let endpoint = LocalEndpoint::start(Shout, schema, Path::new(".")).unwrap();
/// let answer = endpoint.invoke(b"hi", "text/plain", "text/plain").unwrap();
/// assert_eq!((answer.status, answer.text()), (200, "HI".to_string()));
/// ```
pub struct LocalEndpoint {
    address: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    sample: (&'static str, Vec<u8>),
}

impl LocalEndpoint {
    /// Loads the model from `model_dir` and serves `spec` on a free loopback port. A model
    /// that fails to load is an error with its message.
    pub fn start<S: InferenceSpec>(
        spec: S,
        schema: Schema<S::Input, S::Output>,
        model_dir: &Path,
    ) -> Result<Self, ServeError> {
        let config = ServerConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            model_dir: model_dir.to_path_buf(),
            log_level: crate::log::Level::Warning,
            ..ServerConfig::default()
        };
        Self::start_with(spec, schema, config)
    }

    /// [`start`](Self::start) with settings of your own (workers, limits, port).
    pub fn start_with<S: InferenceSpec>(
        spec: S,
        schema: Schema<S::Input, S::Output>,
        config: ServerConfig,
    ) -> Result<Self, ServeError> {
        let sample = schema.sample_request().map_err(|e| ServeError::Schema {
            which: "input",
            content_type: schema.input_types()[0].to_string(),
            message: e.message().to_string(),
        })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let server = runtime.block_on(Server::bind(spec, schema, config))?;
        if let Err(message) = server.model_status() {
            return Err(ServeError::Io(std::io::Error::other(format!(
                "the model failed to load: {message}"
            ))));
        }
        let address = server.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        runtime.spawn(server.serve(async {
            let _ = stopped.await;
        }));
        Ok(LocalEndpoint {
            address,
            runtime: Some(runtime),
            stop: Some(stop),
            sample,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// `POST /invocations` with `body` of `content_type`, asking for `accept`.
    pub fn invoke(
        &self,
        body: &[u8],
        content_type: &str,
        accept: &str,
    ) -> Result<LocalResponse, ServeError> {
        self.request("POST", "/invocations", body, content_type, accept)
    }

    /// `GET /ping`: the status.
    pub fn ping(&self) -> Result<u16, ServeError> {
        Ok(self.request("GET", "/ping", b"", "", "")?.status)
    }

    /// A deep ping: the schema's sample input invoked, and how long the answer took.
    pub fn deep_ping(&self) -> Result<(LocalResponse, Duration), ServeError> {
        let started = Instant::now();
        let (content_type, body) = &self.sample;
        let response = self.invoke(body, content_type, "")?;
        Ok((response, started.elapsed()))
    }

    /// One request on a new connection.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        content_type: &str,
        accept: &str,
    ) -> Result<LocalResponse, ServeError> {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| std::io::Error::other("the endpoint is stopped"))?;
        runtime.block_on(send(self.address, method, path, body, content_type, accept))
    }
}

/// Sends one HTTP/1.1 request to `address` on a new connection (what the local endpoint and
/// `sagecdk local` use to talk to a server).
pub async fn send(
    address: SocketAddr,
    method: &str,
    path: &str,
    body: &[u8],
    content_type: &str,
    accept: &str,
) -> Result<LocalResponse, ServeError> {
    let stream = tokio::net::TcpStream::connect(address).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(connection);
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, address.to_string());
    if !content_type.is_empty() {
        request = request.header(hyper::header::CONTENT_TYPE, content_type);
    }
    if !accept.is_empty() {
        request = request.header(hyper::header::ACCEPT, accept);
    }
    let request = request
        .body(Full::new(Bytes::copy_from_slice(body)))
        .map_err(std::io::Error::other)?;
    let response = sender
        .send_request(request)
        .await
        .map_err(std::io::Error::other)?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes()
        .to_vec();
    Ok(LocalResponse {
        status,
        content_type,
        body,
    })
}

impl Drop for LocalEndpoint {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}
