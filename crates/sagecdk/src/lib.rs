//! sagecdk
