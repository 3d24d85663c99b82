//! `InferenceSpec`: the user's inference code — load the model once, then invoke it per
//! request, with optional pre- and post-processing.

use crate::error::InferenceError;
use crate::payload::Payload;
use std::path::Path;

/// Inference code: how to load the model from its directory (`/opt/ml/model` in SageMaker),
/// and how to answer one input with it. The server calls `load` once at start and
/// `preprocess` → `invoke` → `postprocess` per request, on worker threads; an error becomes an
/// HTTP status with its message, and a panic a 500 (the server keeps serving).
///
/// ```
/// use sagecdk_serve::{InferenceError, InferenceSpec, Tensor};
/// use std::path::Path;
///
/// /// Scores each row as the dot product with the weights in `weights.txt`.
/// struct Linear;
///
/// impl InferenceSpec for Linear {
///     type Model = Vec<f32>;
///     type Input = Tensor;
///     type Output = Tensor;
///
///     fn load(&self, model_dir: &Path) -> Result<Vec<f32>, InferenceError> {
///         let text = std::fs::read_to_string(model_dir.join("weights.txt"))
///             .map_err(|e| InferenceError::internal(format!("weights.txt: {e}")))?;
///         text.split_whitespace()
///             .map(|w| w.parse().map_err(|_| InferenceError::internal(format!("bad weight '{w}'"))))
///             .collect()
///     }
///
///     fn invoke(&self, rows: Tensor, weights: &Vec<f32>) -> Result<Tensor, InferenceError> {
///         let n = rows.shape().first().copied().unwrap_or(0);
///         let scores = (0..n)
///             .map(|i| {
///                 let row = rows.row(i).ok_or_else(|| InferenceError::bad_request("expected rows of numbers"))?;
///                 if row.len() != weights.len() {
///                     return Err(InferenceError::unprocessable(format!(
///                         "expected {} features, got {}", weights.len(), row.len())));
///                 }
///                 Ok(row.iter().zip(weights).map(|(x, w)| x * w).sum())
///             })
///             .collect::<Result<Vec<f32>, _>>()?;
///         Ok(Tensor::from_vec(scores))
///     }
/// }
/// ```
pub trait InferenceSpec: Send + Sync + 'static {
    /// The loaded model.
    type Model: Send + Sync + 'static;
    /// What a request carries.
    type Input: Payload;
    /// What a response carries.
    type Output: Payload;

    /// Loads the model from `model_dir`. A failure makes `/ping` answer 503 with the message.
    fn load(&self, model_dir: &Path) -> Result<Self::Model, InferenceError>;

    /// Prepares an input before `invoke` (default: as it is).
    fn preprocess(&self, input: Self::Input) -> Result<Self::Input, InferenceError> {
        Ok(input)
    }

    /// Answers one input.
    fn invoke(
        &self,
        input: Self::Input,
        model: &Self::Model,
    ) -> Result<Self::Output, InferenceError>;

    /// Finishes an output after `invoke` (default: as it is).
    fn postprocess(&self, output: Self::Output) -> Result<Self::Output, InferenceError> {
        Ok(output)
    }
}
