//! `sagecdk-engine context-lookup`: one context value for `sagecdk` (which has no AWS SDK):
//! the `MissingContext` as JSON on standard input; on standard output `{"value": …}`, or
//! `{"error": "…"}` for a failed lookup (warnings go to standard error as usual). Exit code 1
//! only when the request itself cannot be read.

use sagecdk_assembly::manifest::MissingContext;
use sagecdk_toolkit::ContextLookup;
use std::io::{Read, Write};
use std::process::ExitCode;

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let mut request = String::new();
    std::io::stdin().read_to_string(&mut request)?;
    let missing: MissingContext = serde_json::from_str(&request).map_err(|e| {
        anyhow::anyhow!("context-lookup reads a missing context value as JSON: {e}")
    })?;
    let answer = match super::AwsLookups::default().lookup(&missing) {
        Ok(value) => serde_json::json!({ "value": value }),
        Err(message) => serde_json::json!({ "error": message }),
    };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &answer)?;
    out.write_all(b"\n")?;
    Ok(ExitCode::SUCCESS)
}
