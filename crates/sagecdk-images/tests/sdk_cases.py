"""Asks the SageMaker Python SDK (sagemaker-core) for the image URIs of a large sample of
requests and prints one JSON line per request with the SDK's answer (or that it refused).

The sample: every framework, each of its scopes (and none), each version and alias (and none),
a set of instance types, each Python version of the version (and none), Hugging Face base
frameworks, serverless, a container version on GPU instances, regions rotated across every
partition.

Without a version the expected answer is not the SDK's own (which compares only the first and
last keys of a configuration, see the crate documentation) but the SDK's answer for the
greatest version, by PEP 440 order, of the configuration the SDK uses for the request.
"""

import itertools
import json
import logging
import sys

from packaging.version import InvalidVersion, Version

from sagemaker.core import image_uris
from sagemaker.core import common_utils

logging.disable(logging.CRITICAL)

# The SDK reads and parses a configuration file on every call; read each once (it never
# changes a loaded configuration), or the sample takes many minutes.
_configs = {}
_read_config = image_uris.config_for_framework


def _cached_config(framework):
    if framework not in _configs:
        _configs[framework] = _read_config(framework)
    return _configs[framework]


image_uris.config_for_framework = _cached_config

# Likewise the endpoint resolver, which the SDK builds (loading botocore's endpoint data) on
# every call.
_resolver = common_utils._botocore_resolver()
common_utils._botocore_resolver = lambda: _resolver

INSTANCE_TYPES = [
    None,
    "ml.m5.xlarge",
    "ml.g5.xlarge",
    "ml.p4d.24xlarge",
    "ml.c7g.xlarge",
    "ml.inf2.xlarge",
    "ml.trn1.2xlarge",
    "ml.p2.xlarge",
    "local",
    "local_gpu",
]
REGIONS = [
    "us-west-2",
    "cn-north-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "eusc-de-east-1",
    "il-central-1",
    "ap-southeast-7",
    "us-east-1",
    "eu-central-2",
    "mx-central-1",
]


def latest_of(keys):
    parsed = []
    for k in keys:
        try:
            parsed.append((Version(k), k))
        except InvalidVersion:
            pass
    if parsed:
        return max(parsed)[1]
    lines = [(int(k[:-2]), k) for k in keys if k.endswith(".x") and k[:-2].isdigit()]
    if lines:
        return max(lines)[1]
    return keys[-1] if keys else None


def expected_latest(framework, scope, instance_type):
    """The greatest version of the configuration retrieve() uses for the request."""
    name = framework
    if framework == "huggingface" or framework in "pytorch":
        tool = image_uris._get_inference_tool(None, instance_type)
        if tool in ["neuron", "neuronx"]:
            name = f"{framework}-{tool}"
    final_scope = image_uris._get_final_image_scope(framework, instance_type, scope)
    config = image_uris._config_for_framework_and_scope(name, final_scope, None)
    return latest_of(list(config["versions"].keys()))


def answer(args):
    try:
        return {"uri": image_uris.retrieve(**args)}
    except Exception as e:  # the SDK refuses with several exception types
        return {"error": f"{type(e).__name__}: {e}"}


def base_frameworks(framework, scope, version):
    if framework != "huggingface":
        return [None]
    try:
        config = image_uris._config_for_framework_and_scope(framework, scope, None)
        vc = config["versions"][image_uris._version_for_config(version, config)]
    except Exception:
        return [None]
    bases = [k for k in vc.keys() if k != "version_aliases"]
    return bases + list(vc.get("version_aliases", {}).keys())


def main():
    region_cycle = itertools.cycle(REGIONS)
    count = 0
    for framework in image_uris.list_frameworks():
        config = image_uris.config_for_framework(framework)
        if "versions" in config:
            scopes = [None] + list(config.get("scope", []))
        else:
            scopes = [None] + [k for k, v in config.items() if isinstance(v, dict) and "versions" in v]
        for scope in scopes:
            try:
                versions = [None] + image_uris.list_versions(framework, scope)
            except ValueError:
                continue
            for version, instance_type in itertools.product(versions, INSTANCE_TYPES):
                try:
                    pys = image_uris.list_py_versions(framework, version, scope) if version else []
                except ValueError:
                    pys = []
                for py, base in itertools.product([None] + pys, base_frameworks(framework, scope, version)):
                    variants = [(False, None)]
                    if instance_type is None:
                        variants.append((True, None))
                    if instance_type == "ml.g5.xlarge":
                        # A container version: a tag component some frameworks take.
                        variants.append((False, "cu124"))
                    for serverless, container_version in variants:
                        region = next(region_cycle)
                        case = {
                            "framework": framework,
                            "region": region,
                            "version": version,
                            "scope": scope,
                            "instance_type": instance_type,
                            "py_version": py,
                            "base_framework_version": base,
                            "serverless": serverless,
                            "container_version": container_version,
                        }
                        args = {
                            "framework": framework,
                            "region": region,
                            "version": version,
                            "image_scope": scope,
                            "instance_type": instance_type,
                            "py_version": py,
                            "base_framework_version": base,
                            "container_version": container_version,
                        }
                        if serverless:
                            args["serverless_inference_config"] = object()
                        if version is None:
                            try:
                                args["version"] = expected_latest(framework, scope, instance_type)
                            except Exception as e:
                                case.update({"error": f"{type(e).__name__}: {e}"})
                                print(json.dumps(case))
                                count += 1
                                continue
                        case.update(answer(args))
                        print(json.dumps(case))
                        count += 1
    print(f"{count} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
