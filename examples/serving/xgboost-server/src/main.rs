//! The XGBoost serving program: `xgboost-server serve` (as SageMaker starts it).

use std::process::ExitCode;

fn main() -> ExitCode {
    sagecdk_serve::serve(
        xgboost_server::XgboostClassifier,
        xgboost_server::schema(8, 3),
    )
}
