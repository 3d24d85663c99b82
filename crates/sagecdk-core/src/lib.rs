//! sagecdk-core
