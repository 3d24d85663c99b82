//! An XGBoost classifier served in Rust: [`XgboostClassifier`] loads `xgboost-model` (the
//! file SageMaker's XGBoost examples and `Booster.save_model` write, UBJSON or JSON) from the
//! model directory and answers each row's class probabilities, as `predict_proba` does.

use hessboost::prelude::{BoostedModel, DMatrix, Iterations, ModelFormat};
use sagecdk_serve::{InferenceError, InferenceSpec, Schema, ServeError, Tensor, TensorData};
use std::path::Path;

/// The model file's name in the model directory.
pub const MODEL_FILE: &str = "xgboost-model";

/// From how many rows a request is predicted as a batch (in parallel).
const PARALLEL_ROWS: usize = 64;

/// Class probabilities of rows of features with an XGBoost model.
pub struct XgboostClassifier;

/// A loaded model and the number of features it takes.
pub struct Loaded {
    model: BoostedModel,
    features: usize,
}

impl InferenceSpec for XgboostClassifier {
    type Model = Loaded;
    type Input = Tensor;
    type Output = Tensor;

    fn load(&self, model_dir: &Path) -> Result<Loaded, InferenceError> {
        let path = model_dir.join(MODEL_FILE);
        let bytes = std::fs::read(&path)
            .map_err(|e| InferenceError::internal(format!("{}: {e}", path.display())))?;
        let format = ModelFormat::detect(&bytes).unwrap_or(ModelFormat::XgboostUbjson);
        let model = BoostedModel::decode(&bytes, format).map_err(|e| {
            InferenceError::internal(format!("{} is not an XGBoost model: {e}", path.display()))
        })?;
        Ok(Loaded {
            features: model.n_features(),
            model,
        })
    }

    fn invoke(&self, rows: Tensor, loaded: &Loaded) -> Result<Tensor, InferenceError> {
        let (n, width) = match rows.shape() {
            [n, width] => (*n, *width),
            [width] => (1, *width),
            shape => {
                return Err(InferenceError::bad_request(format!(
                    "expected rows of features (2 dimensions), got shape {shape:?}"
                )));
            }
        };
        if width != loaded.features {
            return Err(InferenceError::unprocessable(format!(
                "the model takes {} features per row, got {width}",
                loaded.features
            )));
        }
        let values = rows
            .as_f32()
            .ok_or_else(|| InferenceError::bad_request("expected 32-bit float features"))?;
        let classes = loaded.model.prediction_width();
        let mut out = vec![0.0; n * classes];
        if n < PARALLEL_ROWS {
            // A few rows: one at a time on this thread (the batch path hands work to a thread
            // pool, which costs more than it saves here and shows in the latency's tail).
            for (row, probabilities) in values.chunks(width).zip(out.chunks_mut(classes)) {
                loaded
                    .model
                    .predict_row_into(row, Iterations::Best, probabilities)
                    .map_err(|e| InferenceError::internal(e.to_string()))?;
            }
        } else {
            let matrix = DMatrix::from_dense(values, n, width)
                .map_err(|e| InferenceError::bad_request(e.to_string()))?;
            out = loaded
                .model
                .predict(&matrix, Iterations::Best)
                .map_err(|e| InferenceError::internal(e.to_string()))?
                .into_vec();
        }
        Tensor::new(vec![n, classes], TensorData::F32(out))
    }
}

/// The schema: a row of `features` floats in, a row of `classes` probabilities out (NPY, CSV
/// or JSON either way).
pub fn schema(features: usize, classes: usize) -> Result<Schema<Tensor, Tensor>, ServeError> {
    Schema::new(
        Tensor::from_rows(vec![vec![0.0; features]])?,
        Tensor::from_rows(vec![vec![1.0 / classes as f32; classes]])?,
    )
}
