//! sagecdk CLI
