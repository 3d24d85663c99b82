//! The Rust serving program against the xgboost Python package: a classifier trained and saved
//! by xgboost (`train.py`, run here with the repository's `.venv`, where the test command
//! installs xgboost) is served in-process; its probabilities for 2,000 rows it did not train on
//! have the same argmax as xgboost's `predict_proba` on every row, in NPY and in CSV.

use sagecdk_serve::{LocalEndpoint, Tensor};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Trains the model into `dir` with the repository's Python.
fn train(dir: &Path) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("../../../.venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: the test command (scripts/test) installs xgboost into .venv",
        python.display()
    );
    let out = Command::new(&python)
        .arg(root.join("train.py"))
        .arg(dir)
        .arg("2000")
        .output()
        .expect("runs python");
    assert!(
        out.status.success(),
        "train.py failed (is xgboost-cpu installed in .venv?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn argmax(row: &[f32]) -> usize {
    (0..row.len())
        .max_by(|a, b| row[*a].total_cmp(&row[*b]))
        .unwrap_or_default()
}

#[test]
fn predictions_match_xgboost_on_every_row() {
    let dir = tempfile::tempdir().expect("tmp");
    train(dir.path());
    let test = std::fs::read(dir.path().join("test.npy")).expect("test.npy");
    let expected = Tensor::from_npy(&std::fs::read(dir.path().join("proba.npy")).expect("proba"))
        .expect("npy");
    let endpoint = LocalEndpoint::start(
        xgboost_server::XgboostClassifier,
        xgboost_server::schema(8, 3).expect("schema"),
        dir.path(),
    )
    .expect("serves");

    let answer = endpoint
        .invoke(&test, "application/x-npy", "application/x-npy")
        .expect("answer");
    assert_eq!(answer.status, 200, "{}", answer.text());
    let ours = Tensor::from_npy(&answer.body).expect("npy");
    assert_eq!(ours.shape(), &[2000, 3]);
    let mut differences = 0;
    for i in 0..2000 {
        let (a, b) = (ours.row(i).expect("row"), expected.row(i).expect("row"));
        if argmax(a) != argmax(b) {
            differences += 1;
        }
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-5, "row {i}: {a:?} vs {b:?}");
        }
    }
    assert_eq!(differences, 0, "rows whose class differs from xgboost's");

    // A few rows take the row-at-a-time path: the same probabilities.
    let rows = Tensor::from_npy(&test).expect("rows");
    let few: Vec<Vec<f32>> = (0..5).map(|i| rows.row(i).expect("row").to_vec()).collect();
    let answer = endpoint
        .invoke(
            &Tensor::from_rows(few).expect("rows").to_npy(),
            "application/x-npy",
            "application/x-npy",
        )
        .expect("answer");
    let small = Tensor::from_npy(&answer.body).expect("npy");
    for i in 0..5 {
        assert_eq!(small.row(i), ours.row(i), "row {i}");
    }

    // The same rows as CSV, answered as CSV.
    let csv = rows.to_csv().expect("csv");
    let answer = endpoint
        .invoke(csv.as_bytes(), "text/csv", "text/csv")
        .expect("answer");
    let from_csv = Tensor::from_csv(&answer.text(), sagecdk_serve::DType::F32).expect("csv");
    assert_eq!(from_csv.shape(), &[2000, 3]);
    for i in 0..2000 {
        assert_eq!(
            argmax(from_csv.row(i).expect("row")),
            argmax(expected.row(i).expect("row")),
            "row {i}"
        );
    }

    // Rows of the wrong width are refused with the rule, and serving goes on.
    let answer = endpoint
        .invoke(b"1,2,3", "text/csv", "application/json")
        .expect("answer");
    assert_eq!(answer.status, 422);
    assert!(
        answer
            .text()
            .contains("the model takes 8 features per row, got 3"),
        "{}",
        answer.text()
    );
    assert_eq!(endpoint.ping().expect("ping"), 200);
}

#[test]
fn a_missing_or_corrupt_model_fails_to_start_with_the_file_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let err = LocalEndpoint::start(
        xgboost_server::XgboostClassifier,
        xgboost_server::schema(8, 3).expect("schema"),
        dir.path(),
    )
    .err()
    .expect("no model");
    assert!(
        err.to_string().contains("xgboost-model: No such file"),
        "{err}"
    );
    std::fs::write(dir.path().join("xgboost-model"), b"{not a model").expect("write");
    let err = LocalEndpoint::start(
        xgboost_server::XgboostClassifier,
        xgboost_server::schema(8, 3).expect("schema"),
        dir.path(),
    )
    .err()
    .expect("corrupt");
    assert!(err.to_string().contains("is not an XGBoost model"), "{err}");
}
