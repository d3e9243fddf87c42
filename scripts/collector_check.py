#!/usr/bin/env python3
"""Checks deploy/otel-collector.yaml: it parses as YAML, and every component a pipeline names
(receivers, processors, exporters) is defined in its section, as the collector requires at
start. Run by scripts/chart-check with the Python that has PyYAML (kubernetes-validate's)."""

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
    return problems


if __name__ == "__main__":
    found = [p for path in sys.argv[1:] for p in check(path)]
    for p in found:
        print(p, file=sys.stderr)
    sys.exit(1 if found else 0)
