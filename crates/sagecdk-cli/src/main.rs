//! The `sagecdk` command.

fn main() -> std::process::ExitCode {
    sagecdk_cli::main()
}
