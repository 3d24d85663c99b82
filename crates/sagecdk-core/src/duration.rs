//! Durations in props: `std::time::Duration`, rendered as the whole seconds CloudFormation
//! takes.

pub use std::time::Duration;

/// The whole seconds of `duration`, or why it cannot be rendered (CloudFormation takes whole
/// seconds): `what` names the prop in the message.
///
/// ```
/// use sagecdk_core::duration::{Duration, whole_seconds};
/// assert_eq!(whole_seconds(Duration::from_secs(300), "cooldown"), Ok(300));
/// assert_eq!(
///     whole_seconds(Duration::from_millis(1500), "cooldown").unwrap_err(),
///     "cooldown must be a whole number of seconds, got 1.5 s"
/// );
/// ```
pub fn whole_seconds(duration: Duration, what: &str) -> Result<u64, String> {
    if duration.subsec_nanos() != 0 {
        return Err(format!(
            "{what} must be a whole number of seconds, got {} s",
            duration.as_secs_f64()
        ));
    }
    Ok(duration.as_secs())
}
