//! Inference code in Rust for SageMaker: implement [`InferenceSpec`] (load the model once,
//! answer an input), describe the payloads with a [`Schema`] (sample input and output; several
//! content types each, chosen per request), and [`serve`] them with the SageMaker
//! serving-container contract — or try them in-process with [`LocalEndpoint`].
//!
//! The server:
//! - answers `GET /ping` (200 once the model is loaded, 503 with the reason if its load failed),
//!   `POST /invocations`, `GET /execution-parameters` (batch transform) and the schema's sample
//!   input at [`SAMPLE_PATH`] (what a local deep ping sends) on port 8080 or
//!   `SAGEMAKER_BIND_TO_PORT`, with the model from `/opt/ml/model` (`SAGEMAKER_BASE_DIR`);
//! - negotiates content types: a request type the schema does not take is a 415, an `Accept`
//!   it cannot answer a 406, both naming what it takes;
//! - limits bodies (413 above 6 MB, or `SAGEMAKER_MAX_PAYLOAD_IN_MB`), inference time (504 after
//!   `SAGEMAKER_MODEL_SERVER_TIMEOUT` seconds) and concurrent inferences
//!   (`SAGEMAKER_MODEL_SERVER_WORKERS`, default the CPUs), runs inference code on worker
//!   threads, answers its errors with their status and a panic with 500, and keeps serving;
//! - logs JSON lines to standard output (`SAGEMAKER_CONTAINER_LOG_LEVEL`), and on SIGTERM stops
//!   accepting and lets the requests in flight finish.
//!
//! A container's program:
//!
//! ```no_run
//! use sagecdk_serve::{InferenceError, InferenceSpec, Schema, Tensor};
//! use std::path::Path;
//! # struct Model;
//! struct Classifier;
//! impl InferenceSpec for Classifier {
//!     type Model = Model;
//!     type Input = Tensor;
//!     type Output = Tensor;
//!     fn load(&self, dir: &Path) -> Result<Model, InferenceError> { Ok(Model) }
//!     fn invoke(&self, rows: Tensor, model: &Model) -> Result<Tensor, InferenceError> {
//!         Ok(Tensor::from_vec(vec![0.0; rows.shape()[0]]))
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let schema = Schema::new(
//!         Tensor::from_rows(vec![vec![5.1, 3.5, 1.4, 0.2]]).unwrap(),
//!         Tensor::from_vec(vec![0.0]),
//!     );
//!     sagecdk_serve::serve(Classifier, schema)
//! }
//! ```

mod error;
mod local;
mod log;
mod media;
mod npy;
mod payload;
mod schema;
mod server;
mod spec;
mod tensor;

pub use error::{InferenceError, ServeError};
pub use local::{LocalEndpoint, LocalResponse, send};
pub use log::Level;
pub use media::{essence, negotiate};
pub use payload::{CsvRows, Json, Payload, RawBytes};
pub use schema::Schema;
pub use server::{SAMPLE_PATH, Server, ServerConfig, termination};
pub use spec::InferenceSpec;
pub use tensor::{DType, Tensor, TensorData};

use std::process::ExitCode;

/// The container's `main`: run as `<program> serve` (how SageMaker starts a container) or
/// without arguments, serves `spec` until SIGTERM with the settings of the environment
/// ([`ServerConfig::from_env`]). An invalid schema, setting or argument is printed and the exit
/// code is 2; a server failure exits with 1.
// The container's `main` ends here: printing is its job.
#[allow(clippy::print_stderr)]
pub fn serve<S: InferenceSpec>(
    spec: S,
    schema: Result<Schema<S::Input, S::Output>, ServeError>,
) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !(args.is_empty() || args == ["serve"]) {
        eprintln!(
            "unexpected arguments {args:?}: run as `serve` (as SageMaker starts a container) or without arguments"
        );
        return ExitCode::from(2);
    }
    serve_from_env(spec, schema)
}

/// [`serve`] without looking at the program's arguments.
#[allow(clippy::print_stderr)]
pub fn serve_from_env<S: InferenceSpec>(
    spec: S,
    schema: Result<Schema<S::Input, S::Output>, ServeError>,
) -> ExitCode {
    let (schema, config) = match (schema, ServerConfig::from_env()) {
        (Ok(s), Ok(c)) => (s, c),
        (schema, config) => {
            for e in [schema.err(), config.err()].into_iter().flatten() {
                eprintln!("{e}");
            }
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let server = Server::bind(spec, schema, config).await?;
        server.serve(termination()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
