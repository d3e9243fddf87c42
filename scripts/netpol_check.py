"""Evaluates a render's NetworkPolicies the way a network plugin enforces them, and checks who may
talk to whom: every call between the release's services (read from their peer URL variables,
and the fixed list the code makes) is allowed both ways through egress and ingress; DNS (kube-dns
pods and NodeLocal DNSCache's address) and PostgreSQL are reachable; an arbitrary pod, an
arbitrary address and the services' wrong peers are refused.

Usage: netpol_check.py --manifests RENDERED.yaml --namespace NS --db IP [--db-namespace NS]
         [--client NAMESPACE] [--collector NAMESPACE:PORT] [--monitoring NAMESPACE]

The model is the NetworkPolicy API's: a pod that no policy selects for a direction allows
everything in it; otherwise traffic must match a rule of some policy selecting it; traffic
passes when the source's egress and the destination's ingress both allow it. ipBlock matches
addresses, podSelector/namespaceSelector match pods (podSelector alone: the policy's namespace).
"""

import argparse
import ipaddress
import re
import sys

import yaml


class Failure(Exception):
    pass


class Pod:
    def __init__(self, what, namespace, labels, ip, ns_labels=None):
        self.what, self.namespace, self.labels, self.ip = what, namespace, labels, ip
        self.ns_labels = dict(ns_labels or {}, **{"kubernetes.io/metadata.name": namespace})


class Address:
    """Something outside the cluster's pods: only ipBlock can match it."""

    def __init__(self, ip):
        self.what, self.ip, self.namespace, self.labels, self.ns_labels = ip, ip, None, None, None


def selects(selector, labels):
    if labels is None:
        return False
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e["key"], e["operator"], e.get("values") or []
        ok = {"In": lambda: labels.get(key) in values, "NotIn": lambda: labels.get(key) not in values,
              "Exists": lambda: key in labels, "DoesNotExist": lambda: key not in labels}[op]()
        if not ok:
            return False
    return True


def peer_matches(peer, policy_ns, other):
    if "ipBlock" in peer:
        ip = ipaddress.ip_address(other.ip)
        block = peer["ipBlock"]
        return (ip in ipaddress.ip_network(block["cidr"])
                and not any(ip in ipaddress.ip_network(e) for e in block.get("except") or []))
    if other.namespace is None:
        return False
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], other.ns_labels):
            return False
    elif other.namespace != policy_ns:
        return False
    return selects(peer.get("podSelector") or {}, other.labels)


def port_matches(ports, port, protocol):
    if not ports:
        return True
    for p in ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        if "port" not in p:
            return True
        check(isinstance(p["port"], int), f"named port {p['port']!r}: this check only knows numbers")
        if p["port"] <= port <= p.get("endPort", p["port"]):
            return True
    return False


def allowed_one_way(policies, pod, other, port, protocol, direction):
    """Does `pod`'s side allow traffic to (egress) or from (ingress) `other`?"""
    kind, key, peers = ("Egress", "egress", "to") if direction == "egress" else ("Ingress", "ingress", "from")
    mine = [p for p in policies if p["metadata"].get("namespace", pod.namespace) == pod.namespace
            and selects(p["spec"]["podSelector"], pod.labels)
            and kind in p["spec"].get("policyTypes", ["Ingress"] + (["Egress"] if "egress" in p["spec"] else []))]
    if not mine:
        return True
    for p in mine:
        for rule in p["spec"].get(key) or []:
            if not port_matches(rule.get("ports"), port, protocol):
                continue
            if peers not in rule or any(peer_matches(x, pod.namespace, other) for x in rule[peers]):
                return True
    return False


def allowed(policies, src, dst, port, protocol="TCP"):
    out = not isinstance(src, Pod) or allowed_one_way(policies, src, dst, port, protocol, "egress")
    inn = not isinstance(dst, Pod) or allowed_one_way(policies, dst, src, port, protocol, "ingress")
    return out and inn


def check(condition, message):
    if not condition:
        raise Failure(message)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifests", required=True)
    ap.add_argument("--namespace", required=True)
    ap.add_argument("--db", required=True, help="an address PostgreSQL has in this install")
    ap.add_argument("--db-namespace", help="PostgreSQL is a pod in this namespace (at --db)")
    ap.add_argument("--db-port", type=int, default=5432)
    ap.add_argument("--client", help="a namespace networkPolicy.clients admits")
    ap.add_argument("--collector", help="NAMESPACE:PORT of the OTLP collector the values name")
    ap.add_argument("--monitoring", default="monitoring")
    args = ap.parse_args()

    with open(args.manifests) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    check(policies, "the render has no NetworkPolicy")
    ns = args.namespace
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    pods, grpc_port, admin_port = {}, {}, {}
    for i, (name, d) in enumerate(sorted(deployments.items())):
        labels = d["spec"]["template"]["metadata"]["labels"]
        pods[name] = Pod(name, ns, labels, f"10.244.{i}.7")
        ports = {p["name"]: p["containerPort"] for p in d["spec"]["template"]["spec"]["containers"][0]["ports"]}
        grpc_port[name], admin_port[name] = ports["grpc"], ports["admin"]
    component = {d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]: n
                 for n, d in deployments.items()}

    # The calls the services make: from their env (what the chart wires), and the fixed list of
    # what the code calls, so that a chart that forgot a peer variable is caught too.
    edges = set()
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    for name, d in deployments.items():
        for e in d["spec"]["template"]["spec"]["containers"][0].get("env", []):
            m = re.match(r"^https?://([a-z0-9-]+):(\d+)$", str(e.get("value", "")))
            if m:
                svc = services[m.group(1)]
                (target,) = [t for t, td in deployments.items()
                             if selects({"matchLabels": svc["spec"]["selector"]}, td["spec"]["template"]["metadata"]["labels"])]
                edges.add((name, target))
    code = [("scorecard", "metrics"), ("metrics", "scorecard"), ("scorecard", "scorecard"),
            ("coaching", "scorecard"), ("hiring", "scorecard")]
    for a, b in code:
        if a in component and b in component:
            check((component[a], component[b]) in edges, f"{a} calls {b}, but its env names no {b} URL")
    results = []

    def expect(src, dst, port, want, why, protocol="TCP"):
        got = allowed(policies, src, dst, port, protocol)
        check(got == want, f"{src.what} → {dst.what}:{port}/{protocol} is {'allowed' if got else 'refused'}: {why}")
        results.append(want)

    for a, b in sorted(edges):
        expect(pods[a], pods[b], grpc_port[b], True, "a call between the release's services")
    for a in pods:
        for b in pods:
            if (a, b) not in edges:
                expect(pods[a], pods[b], grpc_port[b], False, "not a call the code makes")

    dns = Pod("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, "10.96.5.5")
    nodelocal_pod = Pod("node-local-dns", "kube-system", {"k8s-app": "node-local-dns"}, "10.96.6.6")
    nodelocal = Address("169.254.20.10")
    stranger = Pod("a pod in namespace default", "default", {"app": "curious"}, "10.244.99.9")
    prom = Pod("Prometheus", args.monitoring, {"app.kubernetes.io/name": "prometheus"}, "10.244.98.9")
    for name, pod in pods.items():
        for target in (dns, nodelocal_pod, nodelocal):
            for proto in ("UDP", "TCP"):
                expect(pod, target, 53, True, "DNS", proto)
        expect(pod, Address("8.8.8.8"), 53, False, "DNS anywhere else", "UDP")
        db = (Pod(f"PostgreSQL in {args.db_namespace}", args.db_namespace, {"app": "postgresql"}, args.db)
              if args.db_namespace else Address(args.db))
        expect(pod, db, args.db_port, True, "PostgreSQL")
        expect(pod, Address("203.0.113.9"), args.db_port, False, "the database port at a public address")
        expect(pod, Address("203.0.113.9"), 80, False, "an arbitrary address")
        expect(stranger, pod, grpc_port[name], False, "an arbitrary pod calling the gRPC port")
        expect(stranger, pod, admin_port[name], False, "an arbitrary pod on the admin port")
        expect(prom, pod, admin_port[name], True, "monitoring scraping /metrics")
        expect(prom, pod, grpc_port[name], False, "monitoring calling the gRPC port")
        if args.client:
            client = Pod(f"a pod in namespace {args.client}", args.client, {"app": "gateway"}, "10.244.97.9")
            expect(client, pod, grpc_port[name], True, "a configured client")
        if args.collector:
            cns, cport = args.collector.split(":")
            collector = Pod(f"the collector in {cns}", cns, {"app": "otel-collector"}, "10.244.96.9")
            expect(pod, collector, int(cport), True, "the OTLP collector")
        webhook = Address("93.184.216.34")
        expect(pod, webhook, 443, name == component.get("scorecard"),
               "webhook receivers, from the scorecard service only")
        expect(pod, Address("10.1.2.3"), 443, False, "HTTPS to a private address")
    tests = [d for d in docs if d["kind"] == "Pod"]
    for t in tests:
        tester = Pod(t["metadata"]["name"], ns, t["metadata"]["labels"], "10.244.95.9")
        addr = next(a for a in t["spec"]["containers"][0]["args"] if a.startswith("-addr="))
        host = addr[len("-addr="):].rsplit(":", 1)[0]
        (target,) = [n for n, d in deployments.items()
                     if selects({"matchLabels": services[host]["spec"]["selector"]}, d["spec"]["template"]["metadata"]["labels"])]
        expect(tester, pods[target], grpc_port[target], True, "helm test's health check")
    print(f"  NetworkPolicy evaluation: {len(edges)} calls between services allowed, DNS, PostgreSQL"
          f"{', clients' if args.client else ''}{', the collector' if args.collector else ''}, monitoring and "
          f"{len(tests)} test pods allowed; {results.count(False)} other flows refused")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print(f"NetworkPolicy check FAILED: {e}", file=sys.stderr)
        sys.exit(1)
