//! `sagecdk init`: a new project from the toolkit's template.

use crate::args::InitArgs;
use sagecdk_toolkit::{InitOptions, SagecdkSource, init_project};
use std::process::ExitCode;

pub(crate) fn run(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::current_dir()?,
    };
    let source = match &args.sagecdk_path {
        Some(path) => SagecdkSource::Path(std::path::absolute(path)?),
        None => SagecdkSource::Version(env!("CARGO_PKG_VERSION").to_string()),
    };
    let files = init_project(&InitOptions {
        dir: dir.clone(),
        name: args.name.clone(),
        source,
    })?;
    eprintln!("Created a sagecdk project in {}:", dir.display());
    for f in files {
        eprintln!("  {}", f.display());
    }
    eprintln!(
        "Next: `sagecdk synth` prints the template; `SAGECDK_UPDATE_SNAPSHOTS=1 cargo test` writes its snapshot, `cargo test` checks it."
    );
    Ok(ExitCode::SUCCESS)
}
