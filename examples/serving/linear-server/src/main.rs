//! A serving program for SageMaker: scores each row of features as its dot product with the
//! weights in `weights.txt` of the model directory. Built into an image by
//! `ContainerImage::from_inference_spec("examples/serving/linear-server", "linear-server")`.

use sagecdk_serve::{InferenceError, InferenceSpec, Schema, ServeError, Tensor};
use std::path::Path;
use std::process::ExitCode;

/// The weights of a linear model.
struct Linear;

impl InferenceSpec for Linear {
    type Model = Vec<f32>;
    type Input = Tensor;
    type Output = Tensor;

    fn load(&self, model_dir: &Path) -> Result<Vec<f32>, InferenceError> {
        let path = model_dir.join("weights.txt");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| InferenceError::internal(format!("{}: {e}", path.display())))?;
        text.split_whitespace()
            .map(|w| {
                w.parse().map_err(|_| {
                    InferenceError::internal(format!("weights.txt: '{w}' is not a number"))
                })
            })
            .collect()
    }

    fn invoke(&self, rows: Tensor, weights: &Vec<f32>) -> Result<Tensor, InferenceError> {
        let n = rows.shape().first().copied().unwrap_or(0);
        let mut scores = Vec::with_capacity(n);
        for i in 0..n {
            let row = rows
                .row(i)
                .ok_or_else(|| InferenceError::bad_request("expected rows of features"))?;
            if row.len() != weights.len() {
                return Err(InferenceError::unprocessable(format!(
                    "expected {} features, got {}",
                    weights.len(),
                    row.len()
                )));
            }
            scores.push(row.iter().zip(weights).map(|(x, w)| x * w).sum());
        }
        Ok(Tensor::from_vec(scores))
    }
}

fn main() -> ExitCode {
    let schema = || -> Result<_, ServeError> {
        Schema::new(
            Tensor::from_rows(vec![vec![1.0, 2.0, 3.0]])?,
            Tensor::from_vec(vec![0.0]),
        )
    };
    sagecdk_serve::serve(Linear, schema())
}
