"""Scores a JSON list of numbers against the weights in /opt/ml/model/model.json."""

import json
from http.server import BaseHTTPRequestHandler, HTTPServer

MODEL = "/opt/ml/model/model.json"


def load_weights():
    try:
        with open(MODEL, encoding="utf-8") as f:
            return json.load(f)["weights"]
    except (OSError, KeyError, ValueError):
        return None


class Handler(BaseHTTPRequestHandler):
    weights = load_weights()

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ping":
            self.reply(200 if self.weights is not None else 503, {"model": MODEL})
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/invocations":
            self.reply(404, {"error": "not found"})
            return
        try:
            features = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if len(features) != len(self.weights):
                raise ValueError(f"expected {len(self.weights)} features")
            score = sum(w * float(x) for w, x in zip(self.weights, features))
        except (TypeError, ValueError) as e:
            self.reply(400, {"error": str(e)})
            return
        self.reply(200, {"score": score})


if __name__ == "__main__":
    HTTPServer(("", 8080), Handler).serve_forever()
