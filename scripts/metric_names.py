"""Every metric an alert rule or a dashboard panel asks for is one the binary exports, so that a
renamed metric cannot leave an alert that never fires or a panel that stays empty.

Usage: metric_names.py --rules RULES.yaml ... --dashboard DASHBOARD.json ...

KNOWN is the list of what `attain serve` exposes on /metrics (prometheus text; histograms as
_bucket/_sum/_count); keep it in step with crates/attain-runtime/src/rpc_metrics.rs and the
services' background workers. Each query is reduced to its metric names: strings, label
matchers, range selectors, grouping clauses, Grafana variables and PromQL's own words removed.
"""

import argparse
import json
import re
import sys

import yaml


def histogram(name):
    return {f"{name}_bucket", f"{name}_sum", f"{name}_count"}


KNOWN = {
    # Every service (attain-runtime).
    "grpc_server_started_total", "grpc_server_handled_total", "grpc_server_in_flight_requests",
    *histogram("grpc_server_handling_seconds"),
    "grpc_client_handled_total", *histogram("grpc_client_handling_seconds"),
    "attain_db_pool_connections", "attain_db_pool_idle_connections", "attain_db_pool_max_connections",
    *histogram("attain_db_pool_acquire_seconds"),
    "attain_rate_limited_total", "attain_tenant_share_refused_total",
    # The metrics service: ingestion and the monthly fold.
    "attain_ingest_events_total", "attain_fold_set_aside_rows_total",
    "attain_fold_backlog", "attain_fold_oldest_pending_seconds", "attain_fold_failures_total",
    # The scorecard service: the webhook dispatcher and the milestone detector.
    "attain_webhook_backlog", "attain_webhook_oldest_pending_seconds", "attain_webhook_dead_lettered_total",
    *histogram("attain_milestone_detection_seconds"), "attain_milestone_detection_failures_total",
    "attain_milestone_detection_last_success_timestamp_seconds",
    # Prometheus' own, for every scrape target.
    "up",
}

# What the dashboard must show (issue 24: a panel for each background metric and the refusals).
MUST_HAVE_PANEL = {
    "attain_rate_limited_total", "attain_tenant_share_refused_total",
    "attain_db_pool_connections", "attain_db_pool_idle_connections", "attain_db_pool_max_connections",
    "attain_webhook_backlog", "attain_webhook_oldest_pending_seconds", "attain_webhook_dead_lettered_total",
    "attain_milestone_detection_seconds_bucket", "attain_milestone_detection_failures_total",
    "attain_milestone_detection_last_success_timestamp_seconds",
    "attain_fold_backlog", "attain_fold_oldest_pending_seconds", "attain_fold_failures_total",
}

# PromQL's functions, aggregations and keywords (what may stand where a metric name could).
PROMQL = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group",
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
    "rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "resets", "changes",
    "histogram_quantile", "abs", "ceil", "floor", "round", "clamp", "clamp_min", "clamp_max", "exp", "ln",
    "log2", "log10", "sqrt", "time", "timestamp", "vector", "scalar", "absent", "absent_over_time", "sort",
    "sort_desc", "label_replace", "label_join", "avg_over_time", "min_over_time", "max_over_time",
    "sum_over_time", "count_over_time", "last_over_time", "quantile_over_time", "present_over_time",
    "day_of_month", "day_of_week", "days_in_month", "hour", "minute", "month", "year", "inf", "nan",
}


def names_in(query):
    q = re.sub(r'"(?:[^"\\]|\\.)*"', '""', query)             # strings
    q = re.sub(r"\$\{?\w+\}?", "", q)                           # Grafana variables
    q = re.sub(r"\{[^}]*\}", "", q)                             # label matchers
    q = re.sub(r"\[[^\]]*\]", "", q)                            # range selectors
    q = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1", q)
    words = re.findall(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", q)
    return {w for w in words if w not in PROMQL and not re.fullmatch(r"\d+[smhdwy]", w)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", action="append", default=[])
    ap.add_argument("--dashboard", action="append", default=[])
    args = ap.parse_args()
    queries = []
    for path in args.rules:
        with open(path) as f:
            for group in yaml.safe_load(f)["groups"]:
                for rule in group["rules"]:
                    queries.append((f"{path}: {rule.get('alert') or rule.get('record')}", rule["expr"]))
    for path in args.dashboard:
        with open(path) as f:
            dashboard = json.load(f)
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                queries.append((f"{path}: panel {panel['title']!r}", target["expr"]))
        for var in dashboard.get("templating", {}).get("list", []):
            if var.get("type") == "query":
                q = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
                inner = re.match(r"label_values\((.*),\s*\w+\)$", q)
                queries.append((f"{path}: variable {var['name']}", inner.group(1) if inner else q))
    bad, used, on_panels = [], set(), set()
    for where, query in queries:
        names = names_in(query)
        if "panel" in where:
            on_panels |= names
        if not names:
            bad.append(f"{where}: no metric name found in {query!r}")
        for name in names - KNOWN:
            bad.append(f"{where}: {name} is not a metric the binary exports")
        used |= names
    if args.dashboard:
        for name in sorted(MUST_HAVE_PANEL - on_panels):
            bad.append(f"no dashboard panel shows {name}")
    if bad:
        print("metric names FAILED:\n  " + "\n  ".join(bad), file=sys.stderr)
        sys.exit(1)
    print(f"  {len(queries)} queries use {len(used)} metric names, all of them exported by the binary")


if __name__ == "__main__":
    main()
