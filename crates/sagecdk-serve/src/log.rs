//! Structured logs: one JSON object per line on standard output (what CloudWatch Logs keeps of
//! a SageMaker container), at SageMaker's log levels.

use serde_json::{Map, Value, json};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Log levels, as `SAGEMAKER_CONTAINER_LOG_LEVEL` numbers them (Python's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Every request.
    Debug = 10,
    /// Start, stop, settings.
    Info = 20,
    /// Requests answered with an error status.
    Warning = 30,
    /// Failures of the server or the inference code.
    Error = 40,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    /// The level of a `SAGEMAKER_CONTAINER_LOG_LEVEL` value (a number or a name).
    pub fn parse(value: &str) -> Option<Level> {
        match value.trim().to_ascii_lowercase().as_str() {
            "10" | "debug" => Some(Level::Debug),
            "20" | "info" => Some(Level::Info),
            "30" | "warning" | "warn" => Some(Level::Warning),
            "40" | "50" | "error" | "critical" => Some(Level::Error),
            _ => None,
        }
    }
}

/// Writes log lines at or above a level.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Logger {
    pub(crate) level: Level,
}

impl Logger {
    /// Whether `level` is written.
    pub(crate) fn enabled(&self, level: Level) -> bool {
        level >= self.level
    }

    /// Writes `message` with `fields` (a JSON object) at `level`.
    pub(crate) fn log(&self, level: Level, message: &str, fields: Value) {
        if !self.enabled(level) {
            return;
        }
        let time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        let mut line = Map::new();
        line.insert("time".into(), json!((time * 1000.0).round() / 1000.0));
        line.insert("level".into(), json!(level.name()));
        line.insert("message".into(), json!(message));
        if let Value::Object(extra) = fields {
            line.extend(extra);
        }
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        // A closed standard output must not take the server down.
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
}
