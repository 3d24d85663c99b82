//! Errors of the deploy engine. Every message says what to do about it.

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::path::PathBuf;

/// Result type of the deploy engine.
pub type Result<T, E = DeployError> = std::result::Result<T, E>;

/// Errors of the deploy engine.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// No credentials could be found by the standard credential chain.
    #[error(
        "no AWS credentials found ({0}). Configure credentials: a profile (--profile or AWS_PROFILE), \
         AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an SSO session (aws sso login)"
    )]
    NoCredentials(String),
    /// No region is configured and the stack does not name one.
    #[error(
        "no AWS region configured. Set AWS_REGION, add a region to the profile, or give the stack \
         an explicit environment"
    )]
    NoRegion,
    /// The target environment is not bootstrapped, or its bootstrap stack is too old.
    #[error("{0}")]
    NotBootstrapped(String),
    /// The credentials in use may not perform an operation.
    #[error(
        "permission denied for {operation}: {message}. Use credentials (or a bootstrap role) that \
         allow it"
    )]
    AccessDenied {
        /// The API operation.
        operation: String,
        /// The service's message.
        message: String,
    },
    /// Any other AWS service error.
    #[error("{operation} failed: {message}")]
    Aws {
        /// The API operation.
        operation: String,
        /// The error code, when the service gave one.
        code: Option<String>,
        /// The error, with its causes.
        message: String,
    },
    /// The AWS endpoint did not answer (connection refused, reset or timed out), after retries.
    #[error(
        "{operation} failed: cannot reach the AWS endpoint ({cause}). Check the network \
         connection, the proxy settings and the endpoint (AWS_ENDPOINT_URL)"
    )]
    Unreachable {
        /// The API operation.
        operation: String,
        /// The connection error, with its causes.
        cause: String,
    },
    /// A deployment stopped part-way because the AWS endpoint stopped answering.
    #[error("{cause}\n{}", resume_hint(stack, deployed))]
    Interrupted {
        /// The stack being deployed when it stopped.
        stack: String,
        /// The stacks deployed before it, in order.
        deployed: Vec<String>,
        /// Why it stopped (not an error `source`: the message already includes it).
        cause: Box<DeployError>,
    },
    /// The Docker engine cannot be reached.
    #[error(
        "cannot reach the Docker engine ({0}). Start Docker, or point DOCKER_HOST at a running engine"
    )]
    DockerUnavailable(String),
    /// A Docker build, tag or push failed.
    #[error("{0}")]
    Docker(String),
    /// A stack deployment failed.
    #[error("{0}")]
    StackFailed(String),
    /// The cloud assembly could not be read.
    #[error(transparent)]
    Assembly(#[from] sagecdk_assembly::AssemblyError),
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Security-relevant changes were not approved (declined, or nobody could be asked).
    #[error("{0}")]
    NotApproved(String),
    /// An invalid input (manifest entry, option).
    #[error("{0}")]
    Invalid(String),
}

impl DeployError {
    /// The AWS error code, for service errors.
    pub fn code(&self) -> Option<&str> {
        match self {
            DeployError::Aws { code, .. } => code.as_deref(),
            DeployError::AccessDenied { .. } => Some("AccessDenied"),
            DeployError::Interrupted { cause, .. } => cause.code(),
            _ => None,
        }
    }

    /// Marks an unreachable-endpoint error as having interrupted the deployment of `stack`
    /// after `deployed`; other errors are returned as they are.
    pub fn interrupted(self, stack: &str, deployed: &[String]) -> DeployError {
        match self {
            DeployError::Unreachable { .. } => DeployError::Interrupted {
                stack: stack.to_string(),
                deployed: deployed.to_vec(),
                cause: Box::new(self),
            },
            other => other,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> DeployError {
        let path = path.into();
        move |source| DeployError::Io { path, source }
    }
}

fn resume_hint(stack: &str, deployed: &[String]) -> String {
    let done = if deployed.is_empty() {
        String::new()
    } else {
        format!(" (already deployed: {})", deployed.join(", "))
    };
    format!(
        "The deployment stopped at stack {stack}{done}. CloudFormation finishes an operation it \
         has started on its own. To resume, run 'sagecdk deploy' again once the endpoint \
         answers: deployed stacks are skipped and a stack still in progress is waited for."
    )
}

/// Maps an SDK error to a [`DeployError`] naming the operation.
pub(crate) fn aws<E, R>(operation: &str, err: SdkError<E, R>) -> DeployError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = err.code().map(str::to_string);
    let text = match err.message() {
        Some(m) => m.to_string(),
        None => DisplayErrorContext(&err).to_string(),
    };
    let operation = operation.to_string();
    if text.contains("no providers in chain provided credentials")
        || text.contains("failed to load credentials")
        || text.contains("the credential provider was not enabled")
    {
        return DeployError::NoCredentials(text);
    }
    let unreachable = match &err {
        SdkError::DispatchFailure(d) => d.is_io() || d.is_timeout(),
        SdkError::TimeoutError(_) => true,
        _ => false,
    };
    if unreachable {
        // No answer from the service: name the cause, not the SDK's debug dump.
        let mut cause = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            cause.push_str(": ");
            cause.push_str(&s.to_string());
            source = s.source();
        }
        return DeployError::Unreachable { operation, cause };
    }
    match code.as_deref() {
        Some(c)
            if c.starts_with("AccessDenied")
                || c == "UnauthorizedOperation"
                || c == "AuthorizationError" =>
        {
            DeployError::AccessDenied {
                operation,
                message: text,
            }
        }
        Some("ExpiredToken" | "ExpiredTokenException" | "InvalidClientTokenId") => {
            DeployError::NoCredentials(format!("{operation}: {text}"))
        }
        _ => DeployError::Aws {
            operation,
            code,
            message: text,
        },
    }
}
