//! Errors of the deploy engine. Every message says what to do about it.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use std::path::PathBuf;

/// Result type of the deploy engine.
pub type Result<T, E = DeployError> = std::result::Result<T, E>;

/// Where credentials can be configured, as the error messages name them.
const CREDENTIAL_SOURCES: &str = "a profile (--profile or AWS_PROFILE), \
                                  AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an SSO session (aws \
                                  sso login)";

/// Errors of the deploy engine.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// No credentials could be found by the standard credential chain.
    #[error("no AWS credentials found ({0}). Configure credentials: {CREDENTIAL_SOURCES}")]
    NoCredentials(String),
    /// Credentials were found, but AWS rejected them (unknown access key, wrong secret key,
    /// expired session token).
    #[error("{}", rejected_message(operation, code, message, from.as_deref()))]
    CredentialsRejected {
        /// The API operation.
        operation: String,
        /// The error code (`InvalidClientTokenId`, `SignatureDoesNotMatch`, `ExpiredToken`, …).
        code: String,
        /// The service's message.
        message: String,
        /// Where the credentials came from, when known (environment variables, a profile).
        from: Option<String>,
    },
    /// The named profile is in none of the shared config files.
    #[error(
        "AWS profile '{profile}' ({given_by}) not found in {files}. Add it there (`aws configure \
         --profile {profile}`), or name a profile they define"
    )]
    UnknownProfile {
        /// The profile name.
        profile: String,
        /// How it was named (`--profile`, `AWS_PROFILE`).
        given_by: String,
        /// The config files looked at.
        files: String,
    },
    /// No region is configured and the stack does not name one.
    #[error(
        "no AWS region configured. Set AWS_REGION, add a region to the profile, or give the stack \
         an explicit environment"
    )]
    NoRegion,
    /// The credentials are of another account than the environment's, and no role can bridge.
    #[error(
        "cannot {action} {environment}: need to perform AWS calls for account {account}, but the \
         current credentials are for account {caller_account}. Use credentials of account \
         {account} (--profile or AWS_PROFILE)"
    )]
    WrongAccount {
        /// What was to be done.
        action: String,
        /// The environment (`aws://account/region`).
        environment: String,
        /// The environment's account.
        account: String,
        /// The credentials' account.
        caller_account: String,
    },
    /// The target environment is not bootstrapped, or its bootstrap stack is too old.
    #[error("{0}")]
    NotBootstrapped(String),
    /// The credentials in use may not perform an operation.
    #[error(
        "permission denied for {operation}: {message}. {}",
        denied_hint(operation, message)
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
        "{operation} failed: no answer from {} ({cause}), after retries. Check the network \
         connection, the proxy settings and the endpoint (AWS_ENDPOINT_URL); the timeouts are \
         set by SAGECDK_CONNECT_TIMEOUT and SAGECDK_READ_TIMEOUT (seconds)",
        endpoint.as_deref().map_or_else(|| "the AWS endpoint".to_string(), |e| format!("the endpoint {e}"))
    )]
    Unreachable {
        /// The API operation.
        operation: String,
        /// The endpoint called, when known.
        endpoint: Option<String>,
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
            DeployError::CredentialsRejected { code, .. } => Some(code),
            DeployError::Interrupted { cause, .. } => cause.code(),
            _ => None,
        }
    }

    /// Whether the service answered with an error that may go away when the call is repeated
    /// a little later (throttling, an internal or unavailable service). An endpoint that does
    /// not answer at all is not counted: the SDK has already waited for it.
    pub fn is_transient(&self) -> bool {
        match self {
            DeployError::Aws { code, message, .. } => {
                code.as_deref().is_some_and(transient_code)
                    || ["HTTP 500", "HTTP 502", "HTTP 503", "HTTP 504"]
                        .iter()
                        .any(|s| message.starts_with(s))
            }
            _ => false,
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

    /// Names where the credentials came from in a rejected-credentials error; other errors are
    /// returned as they are.
    pub(crate) fn with_credential_source(self, from: &str) -> DeployError {
        match self {
            DeployError::CredentialsRejected {
                operation,
                code,
                message,
                from: None,
            } => DeployError::CredentialsRejected {
                operation,
                code,
                message,
                from: Some(from.to_string()),
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

/// Error codes of throttling and of passing service trouble (the SDK's own retry classes).
fn transient_code(code: &str) -> bool {
    matches!(
        code,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestThrottledException"
            | "TooManyRequestsException"
            | "ProvisionedThroughputExceededException"
            | "TransactionInProgressException"
            | "RequestLimitExceeded"
            | "BandwidthLimitExceeded"
            | "RequestThrottled"
            | "SlowDown"
            | "PriorRequestNotComplete"
            | "EC2ThrottledException"
            | "InternalError"
            | "InternalFailure"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "ServiceUnavailableException"
            | "RequestTimeout"
            | "RequestTimeoutException"
    )
}

/// What to do about a denied permission: grant the IAM action (as the service named it, else
/// derived from the operation) or use credentials that may assume the bootstrap roles.
fn denied_hint(operation: &str, message: &str) -> String {
    let named = message
        .split_once("to perform: ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .map(|a| a.trim_end_matches(['.', ',']).to_string());
    let derived = || {
        let mut words = operation.split_whitespace();
        let service = words.next()?.to_ascii_lowercase();
        Some(format!("{service}:{}", words.next()?))
    };
    let action = named
        .or_else(derived)
        .unwrap_or_else(|| "the permission".to_string());
    format!(
        "Grant {action} to the credentials in use (or to the bootstrap role they assume), or use \
         credentials that may assume the environment's bootstrap roles (see 'sagecdk bootstrap \
         --trust')"
    )
}

/// What is wrong with rejected credentials, and what to do about it, by error code.
fn credential_problem(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        // STS/Query services, JSON services, S3, EC2-style services.
        "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "InvalidAccessKeyId"
        | "AuthFailure" => (
            "the access key ID is not known to AWS (mistyped, deleted, deactivated, or of \
             another partition)",
            "Check the access key ID (AWS_ACCESS_KEY_ID or the profile's aws_access_key_id) or \
             create a new access key, or use another profile (--profile or AWS_PROFILE)",
        ),
        "SignatureDoesNotMatch" | "InvalidSignatureException" | "IncompleteSignature" => (
            "the secret access key does not match the access key ID",
            "Check the secret access key (AWS_SECRET_ACCESS_KEY or the profile's \
             aws_secret_access_key) that belongs to this access key ID",
        ),
        "ExpiredToken" | "ExpiredTokenException" | "TokenRefreshRequired" | "InvalidToken" => (
            "the session token has expired or is invalid",
            "Get fresh temporary credentials ('aws sso login' for an SSO profile, or a new \
             AWS_SESSION_TOKEN with its keys), or use long-term credentials",
        ),
        _ => return None,
    })
}

fn rejected_message(operation: &str, code: &str, message: &str, source: Option<&str>) -> String {
    let (problem, fix) = credential_problem(code).map_or_else(
        || {
            let fix = format!("Configure valid credentials: {CREDENTIAL_SOURCES}");
            ("they are not valid", fix)
        },
        |(problem, fix)| (problem, fix.to_string()),
    );
    let from = source.unwrap_or("the credential chain");
    format!(
        "AWS rejected the credentials from {from}: {problem} ({operation}: {code}: {message}). \
         {fix}"
    )
}

/// The code and message of an error answer: `<Code>`/`<Message>` of XML protocols,
/// `__type`/`message` of JSON protocols; else the HTTP status and the start of the body.
fn unparsed_error(raw: &HttpResponse) -> (Option<String>, Option<String>) {
    let body = raw
        .body()
        .bytes()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let xml = |tag: &str| {
        let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
        let end = start + body[start..].find(&format!("</{tag}>"))?;
        Some(body[start..end].trim().to_string())
    };
    let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
    let field = |names: &[&str]| {
        let json = json.as_ref()?;
        names
            .iter()
            .find_map(|n| json.get(n)?.as_str().map(str::to_string))
    };
    let code = xml("Code")
        .or_else(|| field(&["__type", "code", "Code"]))
        // JSON codes may carry a namespace (`com.amazon…#Code`) or a URL suffix.
        .map(|c| {
            c.rsplit('#')
                .next()
                .unwrap_or(&c)
                .split(':')
                .next()
                .unwrap_or(&c)
                .to_string()
        })
        .filter(|c| !c.is_empty());
    let message = xml("Message")
        .or_else(|| field(&["message", "Message"]))
        .or_else(|| {
            let excerpt: String = body.chars().take(300).collect();
            Some(format!(
                "HTTP {}: {}",
                raw.status().as_u16(),
                excerpt.trim()
            ))
        });
    (code, message)
}

pub use sagecdk_assembly::error_text::cause_chain;

/// Maps an SDK error to a [`DeployError`] naming the operation.
pub(crate) fn aws<E>(operation: &str, err: SdkError<E, HttpResponse>) -> DeployError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    // An error answer the SDK could not parse (another shape than the service model's, e.g.
    // from a proxy or an emulator) still names its code and message in the body.
    let (raw_code, raw_message) = match (&err, err.code()) {
        (SdkError::ServiceError(e), None) => unparsed_error(e.raw()),
        _ => (None, None),
    };
    let code = err.code().map(str::to_string).or(raw_code);
    let text = match err.message() {
        Some(m) => m.to_string(),
        None => raw_message.unwrap_or_else(|| cause_chain(&err)),
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
        let service = operation.split_whitespace().next().unwrap_or_default();
        return DeployError::Unreachable {
            endpoint: crate::network::last_endpoint(service),
            operation,
            cause: cause_chain(&err),
        };
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
        Some(c) if credential_problem(c).is_some() => DeployError::CredentialsRejected {
            operation,
            code: c.to_string(),
            message: text,
            from: None,
        },
        _ => DeployError::Aws {
            operation,
            code,
            message: text,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::error::ErrorMetadata;
    use aws_sdk_s3::primitives::SdkBody;
    use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;

    /// The error the SDK makes of an answer with `status` and `body`, as parsed (`code`) or not.
    fn service_error(
        code: Option<&str>,
        status: u16,
        body: &str,
    ) -> SdkError<GetCallerIdentityError, HttpResponse> {
        let mut meta = ErrorMetadata::builder();
        if let Some(code) = code {
            meta = meta.code(code).message("from the service");
        }
        SdkError::service_error(
            GetCallerIdentityError::generic(meta.build()),
            HttpResponse::new(
                status.try_into().expect("status"),
                SdkBody::from(body.to_string()),
            ),
        )
    }

    #[test]
    fn rejected_credentials_are_told_apart_by_code() {
        for (code, problem) in [
            ("InvalidClientTokenId", "access key ID is not known"),
            ("UnrecognizedClientException", "access key ID is not known"),
            ("InvalidAccessKeyId", "access key ID is not known"),
            ("SignatureDoesNotMatch", "secret access key does not match"),
            (
                "InvalidSignatureException",
                "secret access key does not match",
            ),
            ("ExpiredToken", "session token has expired"),
            ("ExpiredTokenException", "session token has expired"),
        ] {
            let err = aws("STS GetCallerIdentity", service_error(Some(code), 403, ""));
            assert_eq!(err.code(), Some(code));
            let text = err.with_credential_source("profile 'p'").to_string();
            assert!(
                text.starts_with("AWS rejected the credentials from profile 'p': ")
                    && text.contains(problem)
                    && text.contains(&format!(
                        "(STS GetCallerIdentity: {code}: from the service)"
                    )),
                "{text}"
            );
            assert!(!text.contains("no AWS credentials found"), "{text}");
        }
        let expired = aws("S3 PutObject", service_error(Some("ExpiredToken"), 400, ""));
        assert!(
            expired.to_string().contains("from the credential chain")
                && expired.to_string().contains("aws sso login"),
            "{expired}"
        );
    }

    #[test]
    fn unparsed_error_answers_still_give_code_and_message() {
        let xml = "<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>The \
                   security token included in the request is invalid.</Message></Error></Errors>\
                   </ErrorResponse>";
        let err = aws("STS GetCallerIdentity", service_error(None, 403, xml));
        assert_eq!(err.code(), Some("InvalidClientTokenId"));
        assert!(err.to_string().contains("security token included"), "{err}");

        let json = r#"{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"bad key"}"#;
        let err = aws("SSM GetParameter", service_error(None, 400, json));
        assert_eq!(err.code(), Some("UnrecognizedClientException"));

        let err = aws(
            "SSM GetParameter",
            service_error(None, 502, "<html>Bad gateway</html>"),
        );
        assert_eq!(err.code(), None);
        assert_eq!(
            err.to_string(),
            "SSM GetParameter failed: HTTP 502: <html>Bad gateway</html>"
        );
    }

    #[test]
    fn denied_permissions_name_the_action_to_grant() {
        let named = DeployError::AccessDenied {
            operation: "CloudFormation CreateChangeSet".into(),
            message: "User: arn:aws:iam::1:user/u is not authorized to perform: \
                      cloudformation:CreateChangeSet on resource: arn:x because no policy allows it"
                .into(),
        };
        assert!(
            named
                .to_string()
                .contains("Grant cloudformation:CreateChangeSet to the credentials in use"),
            "{named}"
        );
        let derived = aws("S3 PutObject", service_error(Some("AccessDenied"), 403, ""));
        assert!(
            derived
                .to_string()
                .contains("Grant s3:PutObject to the credentials in use"),
            "{derived}"
        );
    }
}
