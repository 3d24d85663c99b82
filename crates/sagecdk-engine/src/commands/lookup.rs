//! `sagecdk-engine context-lookup`: one context value for `sagecdk` (which has no AWS SDK):
//! the `MissingContext` as JSON on standard input, the value as JSON on standard output; a
//! failed lookup is an error (exit code 1) with its message.

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
    let value = super::AwsLookups::default()
        .lookup(&missing)
        .map_err(anyhow::Error::msg)?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &value)?;
    out.write_all(b"\n")?;
    Ok(ExitCode::SUCCESS)
}
