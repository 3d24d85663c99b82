//! The SageMaker serving-container contract over HTTP/1.1: `GET /ping`, `POST /invocations`,
//! `GET /execution-parameters`, settings from SageMaker's environment variables, request size
//! and time limits, a bounded number of concurrent inferences, and a graceful drain on SIGTERM.

use crate::error::{InferenceError, ServeError};
use crate::log::{Level, Logger};
use crate::payload::Payload;
use crate::schema::Schema;
use crate::spec::InferenceSpec;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Where the schema's sample input is answered (what `sagecdk local serve` deep-pings with):
/// the body in the schema's default content type.
pub const SAMPLE_PATH: &str = "/sagecdk/sample-input";

/// How long in-flight requests may finish after SIGTERM (SageMaker kills 30 s after it).
const DRAIN: Duration = Duration::from_secs(25);

/// The server's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerConfig {
    /// The address to listen on (`0.0.0.0`).
    pub host: IpAddr,
    /// The port: `SAGEMAKER_BIND_TO_PORT`, else 8080.
    pub port: u16,
    /// The model directory: `$SAGEMAKER_BASE_DIR/model`, else `/opt/ml/model`.
    pub model_dir: PathBuf,
    /// Inferences run at once: `SAGEMAKER_MODEL_SERVER_WORKERS`, else the number of CPUs.
    pub workers: usize,
    /// The longest an inference may take: `SAGEMAKER_MODEL_SERVER_TIMEOUT` seconds, else 60.
    pub timeout: Duration,
    /// The largest request body: `SAGEMAKER_MAX_PAYLOAD_IN_MB` (set for batch transform), else
    /// 6 MB (real-time invocations).
    pub max_body_bytes: usize,
    /// What is logged: `SAGEMAKER_CONTAINER_LOG_LEVEL`, else info.
    pub log_level: Level,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            host: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: 8080,
            model_dir: PathBuf::from("/opt/ml/model"),
            workers: std::thread::available_parallelism().map_or(1, usize::from),
            timeout: Duration::from_secs(60),
            max_body_bytes: 6 * 1024 * 1024,
            log_level: Level::Info,
        }
    }
}

impl ServerConfig {
    /// The settings from SageMaker's environment variables; every invalid one is reported.
    pub fn from_env() -> Result<Self, ServeError> {
        Self::from_vars(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// The settings from `var` (for tests and embedding).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ServeError> {
        let mut config = ServerConfig::default();
        let bad = |name: &str, value: String, rule: &str| ServeError::Setting {
            name: name.to_string(),
            value,
            rule: rule.to_string(),
        };
        if let Some(v) = var("SAGEMAKER_BIND_TO_PORT") {
            config.port = v
                .parse()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("SAGEMAKER_BIND_TO_PORT", v, "a port number, 1 to 65535"))?;
        }
        if let Some(v) = var("SAGEMAKER_BASE_DIR") {
            config.model_dir = PathBuf::from(v).join("model");
        }
        if let Some(v) = var("SAGEMAKER_MODEL_SERVER_WORKERS") {
            config.workers = v.parse().ok().filter(|w| *w > 0).ok_or_else(|| {
                bad(
                    "SAGEMAKER_MODEL_SERVER_WORKERS",
                    v,
                    "a whole number, at least 1",
                )
            })?;
        }
        if let Some(v) = var("SAGEMAKER_MODEL_SERVER_TIMEOUT") {
            let seconds: u64 = v.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                bad(
                    "SAGEMAKER_MODEL_SERVER_TIMEOUT",
                    v,
                    "whole seconds, at least 1",
                )
            })?;
            config.timeout = Duration::from_secs(seconds);
        }
        if let Some(v) = var("SAGEMAKER_MAX_PAYLOAD_IN_MB") {
            let mb: usize = v
                .parse()
                .ok()
                .filter(|m| (1..=100).contains(m))
                .ok_or_else(|| {
                    bad(
                        "SAGEMAKER_MAX_PAYLOAD_IN_MB",
                        v,
                        "whole megabytes, 1 to 100",
                    )
                })?;
            config.max_body_bytes = mb * 1024 * 1024;
        }
        if let Some(v) = var("SAGEMAKER_CONTAINER_LOG_LEVEL") {
            config.log_level = Level::parse(&v).ok_or_else(|| {
                bad(
                    "SAGEMAKER_CONTAINER_LOG_LEVEL",
                    v,
                    "10, 20, 30 or 40 (debug, info, warning, error)",
                )
            })?;
        }
        Ok(config)
    }
}

/// An answer of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    fn error(e: &InferenceError) -> Reply {
        Reply {
            status: e.status(),
            content_type: "application/json",
            body: json!({"error": e.message()}).to_string().into_bytes(),
        }
    }
}

/// The loaded model and what a request needs, shared by the connections.
struct Service<S: InferenceSpec> {
    spec: Arc<S>,
    schema: Arc<Schema<S::Input, S::Output>>,
    model: Result<Arc<S::Model>, String>,
    permits: Arc<Semaphore>,
    config: ServerConfig,
    log: Logger,
}

/// The message of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

impl<S: InferenceSpec> Service<S> {
    /// Loads the model on a worker thread (a failed or panicking load is kept as its message).
    async fn load(spec: S, schema: Schema<S::Input, S::Output>, config: ServerConfig) -> Self {
        let log = Logger {
            level: config.log_level,
        };
        let spec = Arc::new(spec);
        let dir = config.model_dir.clone();
        let loader = spec.clone();
        let started = Instant::now();
        let loaded = tokio::task::spawn_blocking(move || loader.load(&dir)).await;
        let model = match loaded {
            Ok(Ok(m)) => {
                log.log(
                    Level::Info,
                    "model loaded",
                    json!({"modelDir": config.model_dir, "ms": started.elapsed().as_millis() as u64}),
                );
                Ok(Arc::new(m))
            }
            Ok(Err(e)) => Err(e.message().to_string()),
            Err(join) if join.is_panic() => Err(format!(
                "the model's load panicked: {}",
                panic_message(&*join.into_panic())
            )),
            Err(join) => Err(join.to_string()),
        };
        if let Err(message) = &model {
            log.log(
                Level::Error,
                "the model failed to load",
                json!({"modelDir": config.model_dir, "error": message}),
            );
        }
        Service {
            spec,
            schema: Arc::new(schema),
            model,
            permits: Arc::new(Semaphore::new(config.workers)),
            config,
            log,
        }
    }

    fn ping(&self) -> Reply {
        match &self.model {
            Ok(_) => Reply {
                status: 200,
                content_type: "application/json",
                body: b"{\"status\":\"healthy\"}".to_vec(),
            },
            Err(message) => Reply::error(&InferenceError::new(
                503,
                format!("the model failed to load: {message}"),
            )),
        }
    }

    fn execution_parameters(&self) -> Reply {
        Reply {
            status: 200,
            content_type: "application/json",
            body: json!({
                "MaxConcurrentTransforms": self.config.workers,
                "BatchStrategy": "MULTI_RECORD",
                "MaxPayloadInMB": self.config.max_body_bytes / (1024 * 1024),
            })
            .to_string()
            .into_bytes(),
        }
    }

    async fn invoke(
        &self,
        content_type: Option<String>,
        accept: Option<String>,
        body: Bytes,
    ) -> Reply {
        match self.try_invoke(content_type, accept, body).await {
            Ok(reply) => reply,
            Err(e) => Reply::error(&e),
        }
    }

    async fn try_invoke(
        &self,
        content_type: Option<String>,
        accept: Option<String>,
        body: Bytes,
    ) -> Result<Reply, InferenceError> {
        let model = match &self.model {
            Ok(m) => m.clone(),
            Err(message) => {
                return Err(InferenceError::new(
                    503,
                    format!("the model failed to load: {message}"),
                ));
            }
        };
        // Content negotiation before any work: a wrong type costs nothing.
        let response_type = self.schema.response_type(accept.as_deref())?;
        let input_type = content_type.clone();
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| InferenceError::new(503, "the server is shutting down"))?;
        let spec = self.spec.clone();
        let schema = self.schema.clone();
        let work = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let input = schema.decode(input_type.as_deref(), &body)?;
            let input = spec.preprocess(input)?;
            let output = spec.invoke(input, &model)?;
            let output = spec.postprocess(output)?;
            output.encode(response_type)
        });
        match tokio::time::timeout(self.config.timeout, work).await {
            Ok(Ok(Ok(bytes))) => Ok(Reply {
                status: 200,
                content_type: response_type,
                body: bytes,
            }),
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(join)) if join.is_panic() => {
                let message = panic_message(&*join.into_panic());
                self.log.log(
                    Level::Error,
                    "the inference code panicked",
                    json!({"panic": message}),
                );
                Err(InferenceError::internal(format!(
                    "the inference code panicked: {message}"
                )))
            }
            Ok(Err(join)) => Err(InferenceError::internal(join.to_string())),
            Err(_) => Err(InferenceError::new(
                504,
                format!(
                    "the inference took longer than {} s (SAGEMAKER_MODEL_SERVER_TIMEOUT)",
                    self.config.timeout.as_secs_f64()
                ),
            )),
        }
    }

    async fn handle(&self, request: Request<Incoming>) -> Reply {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_string();
        let reply = match (&method, path.as_str()) {
            (&Method::GET, "/ping") => self.ping(),
            (&Method::GET, "/execution-parameters") => self.execution_parameters(),
            (&Method::GET, SAMPLE_PATH) => match self.schema.sample_request() {
                Ok((content_type, body)) => Reply {
                    status: 200,
                    content_type,
                    body,
                },
                Err(e) => Reply::error(&e),
            },
            (&Method::POST, "/invocations") => {
                let header = |name| {
                    request
                        .headers()
                        .get(name)
                        .and_then(|v: &HeaderValue| v.to_str().ok())
                        .map(str::to_string)
                };
                let content_type = header(CONTENT_TYPE);
                let accept = header(hyper::header::ACCEPT);
                match read_body(request.into_body(), self.config.max_body_bytes).await {
                    Ok(body) => self.invoke(content_type, accept, body).await,
                    Err(e) => Reply::error(&e),
                }
            }
            (_, "/ping" | "/invocations" | "/execution-parameters") => Reply::error(
                &InferenceError::new(405, format!("{method} is not allowed on {path}")),
            ),
            _ => Reply::error(&InferenceError::new(
                404,
                format!(
                    "no route {path}: the server answers GET /ping, POST /invocations and GET /execution-parameters"
                ),
            )),
        };
        let level = match reply.status {
            200..=299 => Level::Debug,
            500..=599 => Level::Error,
            _ => Level::Warning,
        };
        if self.log.enabled(level) {
            let mut fields = json!({
                "method": method.as_str(),
                "path": path,
                "status": reply.status,
                "ms": started.elapsed().as_secs_f64() * 1000.0,
            });
            if reply.status >= 400 {
                fields["error"] = serde_json::from_slice::<serde_json::Value>(&reply.body)
                    .ok()
                    .and_then(|v| v["error"].as_str().map(str::to_string))
                    .into();
            }
            self.log.log(level, "request", fields);
        }
        reply
    }
}

/// Reads a request body of at most `limit` bytes. A larger one is read on (and dropped) up to
/// four times the limit before the 413 is answered, so that a client still sending gets the
/// answer instead of a broken connection.
async fn read_body(mut body: Incoming, limit: usize) -> Result<Bytes, InferenceError> {
    let mut kept = bytes::BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            InferenceError::bad_request(format!("the request body could not be read: {e}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen <= limit {
            kept.extend_from_slice(&data);
        } else if seen > limit.saturating_mul(4) {
            break;
        }
    }
    if seen > limit {
        return Err(too_large(limit));
    }
    Ok(kept.freeze())
}

fn too_large(limit: usize) -> InferenceError {
    InferenceError::new(
        413,
        format!(
            "the request body is larger than {} MB (SAGEMAKER_MAX_PAYLOAD_IN_MB)",
            limit / (1024 * 1024)
        ),
    )
}

/// A server listening, not yet serving: its address is known (port 0 picks a free one).
pub struct Server<S: InferenceSpec> {
    listener: tokio::net::TcpListener,
    service: Arc<Service<S>>,
}

impl<S: InferenceSpec> Server<S> {
    /// Loads the model and binds the port of `config`.
    pub async fn bind(
        spec: S,
        schema: Schema<S::Input, S::Output>,
        config: ServerConfig,
    ) -> Result<Self, ServeError> {
        let address = SocketAddr::new(config.host, config.port);
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|source| ServeError::Bind {
                address: address.to_string(),
                source,
            })?;
        let service = Arc::new(Service::load(spec, schema, config).await);
        Ok(Server { listener, service })
    }

    /// The address listened on.
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        Ok(self.listener.local_addr()?)
    }

    /// Whether the model loaded (else `/ping` answers 503), and why not.
    pub fn model_status(&self) -> Result<(), String> {
        self.service
            .model
            .as_ref()
            .map(|_| ())
            .map_err(Clone::clone)
    }

    /// Serves until `shutdown` completes, then stops accepting and lets the requests in
    /// flight finish (up to 25 s).
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let Server { listener, service } = self;
        let log = service.log;
        let address = listener.local_addr()?;
        log.log(
            Level::Info,
            "serving",
            json!({"address": address.to_string(), "workers": service.config.workers,
                   "timeoutSeconds": service.config.timeout.as_secs_f64(),
                   "maxPayloadBytes": service.config.max_body_bytes}),
        );
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, _) = match accepted {
                        Ok(s) => s,
                        Err(e) => {
                            // Out of descriptors and the like: wait, then accept again.
                            log.log(Level::Error, "accept failed", json!({"error": e.to_string()}));
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let service = service.clone();
                    let handler = hyper::service::service_fn(move |request| {
                        let service = service.clone();
                        async move {
                            let reply = service.handle(request).await;
                            Ok::<_, std::convert::Infallible>(to_response(reply))
                        }
                    });
                    let connection = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), handler);
                    let watched = graceful.watch(connection);
                    tokio::spawn(async move {
                        let _ = watched.await;
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(listener);
        log.log(
            Level::Info,
            "draining",
            json!({"connections": graceful.count()}),
        );
        if tokio::time::timeout(DRAIN, graceful.shutdown())
            .await
            .is_err()
        {
            log.log(
                Level::Warning,
                "stopped with requests still in flight",
                json!({}),
            );
        }
        log.log(Level::Info, "stopped", json!({}));
        Ok(())
    }
}

fn to_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    response
}

/// SIGTERM (what SageMaker sends before stopping a container) or Ctrl-C.
pub async fn termination() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
