"""SageMaker ModelBuilder's own in-process server (sagemaker-serve's InProcessServer: FastAPI on
uvicorn, 127.0.0.1:9007, POST /invoke) serving the XGBoost model with a Python InferenceSpec
equivalent to the Rust xgboost-server: the booster's class probabilities of the rows.

    python modelbuilder_server.py MODEL_FILE
"""

import sys
import time

import numpy as np
import xgboost as xgb
from sagemaker.serve.builder.schema_builder import SchemaBuilder
from sagemaker.serve.model_server.in_process_model_server.app import InProcessServer
from sagemaker.serve.spec.inference_spec import InferenceSpec

MODEL_FILE = sys.argv[1]


class XgboostClassifier(InferenceSpec):
    def load(self, model_dir):
        booster = xgb.Booster()
        booster.load_model(MODEL_FILE)
        return booster

    def invoke(self, input_object, model):
        return model.predict(xgb.DMatrix(input_object)).tolist()


schema = SchemaBuilder(
    sample_input=np.zeros((1, 8), dtype=np.float32),
    sample_output=np.zeros((1, 3), dtype=np.float32),
)
server = InProcessServer(inference_spec=XgboostClassifier(), schema_builder=schema)
server.start_server()
print("serving on 127.0.0.1:9007", flush=True)
while True:
    time.sleep(3600)
