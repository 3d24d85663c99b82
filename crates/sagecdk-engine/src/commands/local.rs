//! `sagecdk local serve|invoke|transform`: a model of the app in the local Docker engine.
//! Containers are removed when the command ends, on an error and on Ctrl-C.

use anyhow::{Context, bail};
use sagecdk_cli::args::{LocalArgs, LocalCommand, LocalModelArgs};
use sagecdk_cli::commands::Session;
use sagecdk_deploy::local::{
    LocalContainer, LocalServeOptions, TransformOptions, find_model, start, transform,
};

use std::future::Future;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The exit code after Ctrl-C (128 + SIGINT).
const INTERRUPTED: u8 = 130;

pub(crate) fn run(session: &Session<'_>, args: &LocalArgs) -> anyhow::Result<ExitCode> {
    let runtime = sagecdk_deploy::runtime().context("cannot start the async runtime")?;
    match &args.command {
        LocalCommand::Serve(serve) => {
            let port = serve.port;
            with_container(
                session,
                &runtime,
                &serve.model,
                port,
                |container| async move {
                    let url = container.url();
                    deep_ping(&container).await?;
                    println!("{url}");
                    eprintln!(
                        "Serving on {url} (POST {url}/invocations); Ctrl-C stops and removes the container"
                    );
                    std::future::pending::<()>().await;
                    Ok(ExitCode::SUCCESS)
                },
            )
        }
        LocalCommand::Invoke(invoke) => {
            let mut body = Vec::new();
            if invoke.data == "-" {
                std::io::stdin().read_to_end(&mut body)?;
            } else {
                body = std::fs::read(&invoke.data)
                    .with_context(|| format!("reading --data {}", invoke.data))?;
            }
            let send = |address: SocketAddr| {
                let body = body.clone();
                async move {
                    let response = sagecdk_serve::send(
                        address,
                        "POST",
                        "/invocations",
                        &body,
                        &invoke.content_type,
                        &invoke.accept,
                    )
                    .await?;
                    eprintln!("{} {}", response.status, response.content_type);
                    std::io::stdout().write_all(&response.body)?;
                    if response.status != 200 {
                        bail!("the model answered {}", response.status);
                    }
                    Ok(ExitCode::SUCCESS)
                }
            };
            match &invoke.url {
                Some(url) => runtime.block_on(send(address_of(url)?)),
                None => with_container(session, &runtime, &invoke.model, None, |c| async move {
                    send(c.address()).await
                }),
            }
        }
        LocalCommand::Transform(t) => {
            let options = TransformOptions {
                content_type: t.content_type.clone(),
                accept: t.accept.clone(),
                split_lines: t.split_type == "line",
                assemble_lines: t.assemble_with == "line",
                max_payload_bytes: t.max_payload_mb as usize * 1024 * 1024,
            };
            let go = |address: SocketAddr| {
                let options = options.clone();
                async move {
                    let report = transform(address, &t.input, &t.output, &options).await?;
                    eprintln!(
                        "Transformed {} file(s): {} record(s) in {} request(s), results in {}",
                        report.files,
                        report.records,
                        report.requests,
                        t.output.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
            };
            match &t.url {
                Some(url) => runtime.block_on(go(address_of(url)?)),
                None => with_container(session, &runtime, &t.model, None, |c| async move {
                    go(c.address()).await
                }),
            }
        }
    }
}

/// `http://host:port` as an address.
fn address_of(url: &str) -> anyhow::Result<SocketAddr> {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or(url)
        .trim_end_matches('/');
    rest.parse()
        .with_context(|| format!("--url {url} is not http://<address>:<port>"))
}

/// Starts the model's container, waits for /ping, runs `work` with it, and removes the
/// container afterwards — also after an error or Ctrl-C.
fn with_container<F, Fut>(
    session: &Session<'_>,
    runtime: &tokio::runtime::Runtime,
    args: &LocalModelArgs,
    port: Option<u16>,
    work: F,
) -> anyhow::Result<ExitCode>
where
    F: FnOnce(Arc<LocalContainer>) -> Fut,
    Fut: Future<Output = anyhow::Result<ExitCode>>,
{
    let assembly = session.synth()?;
    let model = find_model(&assembly, &args.model)?;
    let mut environment = Vec::new();
    for pair in &args.environment {
        let Some((k, v)) = pair.split_once('=') else {
            bail!("--env '{pair}' is not KEY=VALUE");
        };
        environment.push((k.to_string(), v.to_string()));
    }
    let options = LocalServeOptions { port, environment };
    eprintln!("Starting {} …", model.path);
    let container = Arc::new(runtime.block_on(start(
        &assembly,
        &model,
        &options,
        &crate::display::EventLines::default(),
    ))?);
    let used = container.clone();
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = async {
                let ready = used.wait_ready(Duration::from_secs(args.startup_timeout)).await?;
                eprintln!("{} answered /ping after {} ms", model.path, ready.as_millis());
                work(used).await
            } => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    let removed = runtime.block_on(container.remove());
    if let Err(e) = &removed {
        eprintln!("warning: {e}");
    }
    match outcome {
        Some(result) => result,
        None => {
            if removed.is_ok() {
                eprintln!("Interrupted: the container was removed");
            } else {
                eprintln!("Interrupted");
            }
            Ok(ExitCode::from(INTERRUPTED))
        }
    }
}

/// Sends the image's sample input (when its server offers one, as `sagecdk-serve` does) and
/// reports the answer and its latency; a failed answer is an error.
async fn deep_ping(container: &LocalContainer) -> anyhow::Result<()> {
    let sample = container
        .request("GET", sagecdk_serve::SAMPLE_PATH, b"", "", "")
        .await?;
    if sample.status != 200 {
        eprintln!("The image offers no sample input; /ping answered");
        return Ok(());
    }
    let started = Instant::now();
    let answer = container
        .invoke(&sample.body, &sample.content_type, "")
        .await?;
    let took = started.elapsed();
    if answer.status != 200 {
        bail!(
            "the model answered its sample input with {}: {}",
            answer.status,
            answer.text().trim()
        );
    }
    let text = answer.text();
    let shown: String = text.chars().take(200).collect();
    eprintln!(
        "Sample input ({}) answered in {:.1} ms: {}",
        sample.content_type,
        took.as_secs_f64() * 1000.0,
        shown.trim()
    );
    Ok(())
}
