"""Trains the seed's XGBoost classifier with the xgboost Python package and saves what the
Rust serving program and its tests read.

    python train.py OUT_DIR [TEST_ROWS]

OUT_DIR/xgboost-model  the model, as Booster.save_model writes it (UBJSON)
OUT_DIR/test.npy       TEST_ROWS rows of 8 float32 features the model did not train on
OUT_DIR/proba.npy      xgboost's predict_proba of those rows (float32, TEST_ROWS x 3)
"""

import pathlib
import sys
import warnings

import numpy as np
import xgboost as xgb

out = pathlib.Path(sys.argv[1])
test_rows = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
out.mkdir(parents=True, exist_ok=True)

rng = np.random.default_rng(7)
features, classes, train_rows = 8, 3, 4000
X = rng.normal(size=(train_rows + test_rows, features)).astype(np.float32)
weights = rng.normal(size=(features, classes))
y = np.argmax(X @ weights + rng.normal(scale=0.5, size=(len(X), classes)), axis=1)

booster = xgb.train(
    {"objective": "multi:softprob", "num_class": classes, "max_depth": 4, "eta": 0.3, "seed": 7},
    xgb.DMatrix(X[:train_rows], label=y[:train_rows]),
    num_boost_round=50,
)
with warnings.catch_warnings():
    # No extension: UBJSON, as SageMaker's XGBoost container saves it.
    warnings.simplefilter("ignore")
    booster.save_model(str(out / "xgboost-model"))
test = X[train_rows:]
np.save(out / "test.npy", test)
np.save(out / "proba.npy", booster.predict(xgb.DMatrix(test)).astype(np.float32))
