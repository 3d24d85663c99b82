//! The `sagecdk-engine` command: the whole `sagecdk` command line, AWS and Docker included.

fn main() -> std::process::ExitCode {
    sagecdk_engine::main()
}
