#!/usr/bin/env python3
"""Checks deploy/otel-collector.yaml: it parses as YAML, and every component a pipeline names
(receivers, processors, exporters) is defined in its section, as the collector requires at
start. Run by scripts/chart-check with the Python that has PyYAML (kubernetes-validate's)."""

import glob
import sys

import yaml


def check(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        try:
            config = yaml.safe_load(f)
        except yaml.YAMLError as e:
            return [f"{path}: does not parse as YAML: {e}"]
    problems = []
    if not isinstance(config, dict):
        return [f"{path}: not a mapping"]
    pipelines = (config.get("service") or {}).get("pipelines") or {}
    if not pipelines:
        problems.append(f"{path}: service.pipelines is empty")
    for name, pipeline in pipelines.items():
        for kind in ("receivers", "processors", "exporters"):
            defined = config.get(kind) or {}
            for component in (pipeline or {}).get(kind, []):
                if component not in defined:
                    problems.append(f"{path}: pipeline {name} names {kind[:-1]} {component!r}, which {kind} does not define")
        for kind in ("receivers", "exporters"):
            if not (pipeline or {}).get(kind):
                problems.append(f"{path}: pipeline {name} has no {kind}")
    problems += receives_what_attain_sends(path, config)
    return problems


def receives_what_attain_sends(path: str, config: dict) -> list[str]:
    """The services export spans over OTLP/gRPC (the receiver tests/e2e/telemetry.rs runs): the
    traces pipeline must take them from an `otlp` receiver with the gRPC protocol, on the port
    the chart's examples send to."""
    problems = []
    traces = ((config.get("service") or {}).get("pipelines") or {}).get("traces") or {}
    receivers = [r for r in traces.get("receivers") or [] if r == "otlp" or str(r).startswith("otlp/")]
    if not receivers:
        return [f"{path}: the traces pipeline has no otlp receiver, and the services send OTLP"]
    grpc = ((((config.get("receivers") or {}).get(receivers[0]) or {}).get("protocols") or {}).get("grpc"))
    if not isinstance(grpc, dict):
        return [f"{path}: receiver {receivers[0]} does not take OTLP over gRPC, which the services send"]
    endpoint = str(grpc.get("endpoint") or "0.0.0.0:4317")
    port = endpoint.rsplit(":", 1)[-1]
    for example in sorted(glob.glob("deploy/values/*.yaml")):
        with open(example, encoding="utf-8") as f:
            values = yaml.safe_load(f) or {}
        sent_to = str((values.get("otel") or {}).get("endpoint") or "")
        if sent_to and sent_to.rstrip("/").rsplit(":", 1)[-1] != port:
            problems.append(f"{example}: otel.endpoint {sent_to} is not the collector's OTLP/gRPC port {port}")
    return problems


if __name__ == "__main__":
    found = [p for path in sys.argv[1:] for p in check(path)]
    for p in found:
        print(p, file=sys.stderr)
    sys.exit(1 if found else 0)
