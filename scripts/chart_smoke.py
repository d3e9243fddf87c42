"""Chart-to-process smoke test: runs rendered Helm manifests as local processes of the real
`attain` binary, to prove that the chart and the binary agree.

From the rendered manifests it takes the migration Job and every Deployment, and runs each
container's command, args and env against a private PostgreSQL, changing only what cannot be
the same outside a cluster: the image's `attain` becomes the built binary, secret references
become local values, container ports become loopback ports (each pod gets its own, as it would
get its own network namespace), and each Service, headless or not, becomes a local TCP proxy
that hands every new connection to one of the ready pods it selects, as kube-proxy does. (A
headless Service's DNS name would resolve to every pod; the peers' own balancing over those
addresses is tested by the binary's tests, not here: here both names reach every ready pod.)

It runs two pods of every Deployment, asks every probe exactly as the manifest defines it, makes
calls that cross services, then restarts every Deployment pod by pod as a rollout does (new pod
ready, then SIGTERM to an old one, whose endpoints go a moment later) under continuous load,
and fails on any failed unary call; finally it stops the pods as Kubernetes would.

Usage: chart_smoke.py --binary PATH --manifests RENDERED.yaml --setup SQL
                      --secret NAME/KEY=VALUE ...   ({db} in a value: the database host:port)
       chart_smoke.py --manifests RENDERED.yaml --static-only
"""

import argparse
import json
import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

# The test forks pods while its own gRPC clients run; gRPC's fork handlers would only log that
# they are skipped (the children exec at once and use no gRPC state).
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

import grpc  # noqa: E402
import yaml  # noqa: E402
from concurrent import futures  # noqa: E402

from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

SUPERUSER, SUPERUSER_PASSWORD = "attain_admin", "smoke-superuser-password"


class Failure(Exception):
    """A mismatch between the chart and the binary."""


def check(condition, message):
    if not condition:
        raise Failure(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unprivileged():
    """uid/gid for processes that must not run as root (PostgreSQL, and the pods' runAsUser)."""
    return os.geteuid() == 0


class Postgres:
    """A throwaway cluster on a loopback port with password authentication."""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "pg")
        os.makedirs(self.dir)
        self.port = free_port()
        user = None
        if unprivileged():
            pg = pwd.getpwnam("postgres")
            os.chown(self.dir, pg.pw_uid, pg.pw_gid)
            user = "postgres"
        self.user = user
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(SUPERUSER_PASSWORD)
        if user:
            shutil.chown(pwfile, user)
        data = os.path.join(self.dir, "data")
        run([self.bin("initdb"), "-D", data, "-U", SUPERUSER, "--pwfile", pwfile, "-A", "scram-sha-256",
             "-E", "UTF8", "--no-locale", "--no-sync"], user=user)
        log = open(os.path.join(workdir, "postgres.log"), "w")
        self.proc = subprocess.Popen(
            [self.bin("postgres"), "-D", data, "-p", str(self.port), "-c", "listen_addresses=127.0.0.1",
             "-c", "unix_socket_directories=", "-c", "fsync=off"],
            user=user, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                check(self.proc.poll() is None, "PostgreSQL exited at start (see postgres.log)")
                check(time.time() < deadline, "PostgreSQL did not start within 30 s")
                time.sleep(0.1)
        time.sleep(0.3)

    @staticmethod
    def bin(name):
        found = shutil.which(name)
        if found:
            return found
        for version in sorted(os.listdir("/usr/lib/postgresql"), reverse=True):
            path = f"/usr/lib/postgresql/{version}/bin/{name}"
            if os.path.exists(path):
                return path
        raise Failure(f"PostgreSQL's {name} is not installed")

    def url(self, user=SUPERUSER, password=SUPERUSER_PASSWORD, database="postgres"):
        return f"postgres://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def sql(self, statements, database="postgres"):
        env = dict(os.environ, PGPASSWORD=SUPERUSER_PASSWORD)
        run([self.bin("psql"), "-v", "ON_ERROR_STOP=1", "-q", "-h", "127.0.0.1", "-p", str(self.port),
             "-U", SUPERUSER, "-d", database, "-c", statements], env=env)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=30)


def run(cmd, **kwargs):
    out = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if out.returncode != 0:
        raise Failure(f"{' '.join(cmd[:3])}… exited {out.returncode}:\n{out.stderr}{out.stdout}")
    return out.stdout


class Manifests:
    def __init__(self, path):
        with open(path) as f:
            self.docs = [d for d in yaml.safe_load_all(f) if d]

    def of(self, kind):
        return [d for d in self.docs if d["kind"] == kind]

    def by_name(self, kind, name):
        found = [d for d in self.of(kind) if d["metadata"]["name"] == name]
        check(len(found) == 1, f"expected one {kind} named {name}, found {len(found)}")
        return found[0]


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def selects(selector, labels):
    """A LabelSelector (matchLabels and matchExpressions) against labels."""
    if not matches(selector.get("matchLabels") or {}, labels):
        return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def headless(service):
    return service["spec"].get("clusterIP") == "None"


def static_checks(m):
    """What a cluster would only show at run time: selectors, named ports, references."""
    deployments = m.of("Deployment")
    check(deployments, "no Deployment rendered")
    for d in deployments:
        name, spec = d["metadata"]["name"], d["spec"]
        pod_labels = spec["template"]["metadata"]["labels"]
        check(matches(spec["selector"]["matchLabels"], pod_labels), f"{name}: selector misses its pods")
        pod = spec["template"]["spec"]
        check(pod["securityContext"].get("runAsNonRoot") is True, f"{name}: pods may run as root")
        check(pod["securityContext"].get("seccompProfile", {}).get("type") == "RuntimeDefault",
              f"{name}: no RuntimeDefault seccomp profile")
        sidecars = {c["name"] for c in pod["containers"][1:]}
        for c in pod["containers"]:
            sc = c.get("securityContext") or {}
            check(sc.get("readOnlyRootFilesystem") and sc.get("allowPrivilegeEscalation") is False
                  and sc.get("capabilities", {}).get("drop") == ["ALL"], f"{name}/{c['name']}: weak container securityContext")
            check(c.get("resources", {}).get("requests"), f"{name}/{c['name']}: no resource requests")
            if c["name"] in sidecars:
                continue
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                check(probe in c, f"{name}: no {probe}")
                container_port(c, probe_port(c[probe]))
        drain_fits_grace(name, pod)
        spread = pod.get("topologySpreadConstraints") or []
        check(spread, f"{name}: no topologySpreadConstraints")
        for t in spread:
            check(selects(t["labelSelector"], pod_labels), f"{name}: a topology spread constraint does not count its own pods")
        services = [s for s in m.of("Service") if matches(s["spec"]["selector"], pod_labels)]
        plain = [s for s in services if not headless(s)]
        peers = [s for s in services if headless(s)]
        check(len(plain) == 1 and len(peers) == 1,
              f"{name}: expected one ClusterIP and one headless Service selecting its pods, found {len(plain)} and {len(peers)}")
        check(peers[0]["spec"].get("publishNotReadyAddresses") is False,
              f"{name}: its headless Service would publish unready (draining) pods")
        for svc in services:
            for port in svc["spec"]["ports"]:
                container_port(pod["containers"][0], port["targetPort"])
        for kind in ("PodDisruptionBudget",):
            check(any(matches(p["spec"]["selector"]["matchLabels"], pod_labels) for p in m.of(kind)),
                  f"{name}: no {kind}")
    for hpa in m.of("HorizontalPodAutoscaler"):
        target = m.by_name("Deployment", hpa["spec"]["scaleTargetRef"]["name"])
        check("replicas" not in target["spec"], f"{target['metadata']['name']}: replicas fight the HPA")
    for sm in m.of("ServiceMonitor"):
        svc = [s for s in m.of("Service") if selects(sm["spec"]["selector"], s["metadata"]["labels"])]
        check(len(svc) == 1, f"ServiceMonitor {sm['metadata']['name']} selects {len(svc)} Services")
        names = {p["name"] for p in svc[0]["spec"]["ports"]}
        for ep in sm["spec"]["endpoints"]:
            check(ep["port"] in names, f"ServiceMonitor {sm['metadata']['name']}: no port {ep['port']}")
    for np in m.of("NetworkPolicy"):
        selected = [d for d in deployments
                    if matches(np["spec"]["podSelector"]["matchLabels"], d["spec"]["template"]["metadata"]["labels"])]
        check(len(selected) == 1, f"NetworkPolicy {np['metadata']['name']} selects {len(selected)} Deployments")
    network_policies_follow_calls(m)
    for t in m.of("Pod"):
        check(t["metadata"].get("annotations", {}).get("helm.sh/hook") == "test",
              f"Pod {t['metadata']['name']} is not a helm test hook")
        addr = next(a for a in t["spec"]["containers"][0]["args"] if a.startswith("-addr="))
        host, port = addr[len("-addr="):].rsplit(":", 1)
        svc = m.by_name("Service", host)
        check(any(p["port"] == int(port) and p["name"] == "grpc" for p in svc["spec"]["ports"]),
              f"test {t['metadata']['name']} asks {addr}, which is no gRPC port")
    unknown = {d["kind"] for d in m.docs} - {
        "Deployment", "Service", "ServiceAccount", "PodDisruptionBudget", "HorizontalPodAutoscaler",
        "ServiceMonitor", "NetworkPolicy", "Job", "PrometheusRule", "Pod", "ConfigMap"}
    check(not unknown, f"kinds this test does not know: {unknown}")


def duration_ms(value):
    """A humantime-style duration ("5s", "1m30s", "500ms") in milliseconds."""
    units = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000}
    parts = re.findall(r"(\d+)(ms|s|m|h)", value)
    check(parts and "".join(n + u for n, u in parts) == value, f"cannot read the duration {value!r}")
    return sum(int(n) * units[u] for n, u in parts)


def drain_fits_grace(name, pod):
    """The kubelet must wait longer than the process drains: delay, then the in-flight grace."""
    env = {e["name"]: e.get("value") for e in pod["containers"][0].get("env", [])}
    for var in ("ATTAIN_DRAIN_DELAY", "ATTAIN_SHUTDOWN_GRACE"):
        check(env.get(var), f"{name}: no {var}")
    drain = duration_ms(env["ATTAIN_DRAIN_DELAY"]) + duration_ms(env["ATTAIN_SHUTDOWN_GRACE"])
    grace = pod.get("terminationGracePeriodSeconds", 30) * 1000
    check(grace > drain, f"{name}: terminationGracePeriodSeconds {grace // 1000}s does not exceed the drain ({drain} ms)")


def network_policies_follow_calls(m):
    """Each service's egress admits exactly the release's services its env says it calls."""
    deployments = m.of("Deployment")
    for np in m.of("NetworkPolicy"):
        (d,) = [d for d in deployments
                if matches(np["spec"]["podSelector"]["matchLabels"], d["spec"]["template"]["metadata"]["labels"])]
        name, c = d["metadata"]["name"], d["spec"]["template"]["spec"]["containers"][0]
        calls = set()
        for e in c.get("env", []):
            target = re.match(r"^https?://([a-z0-9-]+):(\d+)$", str(e.get("value", "")))
            if target:
                svc = m.by_name("Service", target.group(1))
                check(headless(svc), f"{name}: {e['name']} names {target.group(1)}, not a headless Service: "
                      "its calls would stick to one pod")
                (peer,) = [p for p in deployments if matches(svc["spec"]["selector"], p["spec"]["template"]["metadata"]["labels"])]
                (port,) = [p["targetPort"] for p in svc["spec"]["ports"] if p["port"] == int(target.group(2))]
                calls.add((peer["metadata"]["name"], container_port(peer["spec"]["template"]["spec"]["containers"][0], port)))
        allowed = set()
        for rule in np["spec"]["egress"]:
            for to in rule.get("to", []):
                selector = to.get("podSelector", {}).get("matchLabels")
                if not selector or "namespaceSelector" in to:
                    continue
                for peer in deployments:
                    if matches(selector, peer["spec"]["template"]["metadata"]["labels"]):
                        allowed |= {(peer["metadata"]["name"], p["port"]) for p in rule.get("ports", [])}
        check(calls == allowed, f"{name}: NetworkPolicy lets it reach {sorted(allowed)}, its env calls {sorted(calls)}")


def probe_port(probe):
    if "grpc" in probe:
        return probe["grpc"]["port"]
    return probe["httpGet"]["port"]


def container_port(container, port):
    """A container port by number or name, as the kubelet resolves it."""
    for p in container.get("ports", []):
        if port in (p["containerPort"], p.get("name")):
            return p["containerPort"]
    raise Failure(f"container {container['name']} has no port {port!r}")


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace receiver standing for the collector the values name: records the
    service.name and span names it is sent."""

    def __init__(self):
        self.spans = []  # (service.name, span name, trace id)
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(self, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    def Export(self, request, context):
        for rs in request.resource_spans:
            service = next((a.value.string_value for a in rs.resource.attributes if a.key == "service.name"), "")
            for ss in rs.scope_spans:
                for span in ss.spans:
                    self.spans.append((service, span.name, span.trace_id.hex()))
        return trace_service_pb2.ExportTraceServiceResponse()

    def stop(self):
        self.server.stop(grace=None)


class Proxy:
    """A Service's virtual address: each new TCP connection goes to one ready endpoint (pod) in
    turn, as kube-proxy does. Connections already made stay with their pod until either side
    closes them; a connection to an endpoint that no longer listens is reset, as a pod that
    went away would reset it."""

    def __init__(self, name):
        self.name = name
        self.endpoints = []  # "127.0.0.1:port" of the ready pods
        self.turn = 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def add(self, address):
        with self.lock:
            self.endpoints.append(address)

    def remove(self, address):
        with self.lock:
            if address in self.endpoints:
                self.endpoints.remove(address)

    def accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                target = self.endpoints[self.turn % len(self.endpoints)] if self.endpoints else None
                self.turn += 1
            threading.Thread(target=self.forward, args=(client, target), daemon=True).start()

    def forward(self, client, target):
        try:
            check(target, "no ready endpoint")
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)), timeout=5)
            upstream.settimeout(None)
        except (OSError, Failure):
            # Refused: the caller sees a reset, as from a pod that is gone.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            return
        finished, lock = [], threading.Lock()

        def pump(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
                dst.shutdown(socket.SHUT_WR)  # a half-close passes on as a half-close
            except OSError:
                for sock in (src, dst):  # an abrupt end ends both sides
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            with lock:
                finished.append(src)
                last = len(finished) == 2
            if last:
                client.close()
                upstream.close()

        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)

    def close(self):
        self.closed = True
        self.listener.close()


class Pod:
    """One replica of a Deployment: a process with loopback ports of its own."""

    def __init__(self, deployment, name, ports):
        self.deployment, self.name, self.ports = deployment, name, ports
        self.spec = deployment["spec"]["template"]["spec"]
        self.container = self.spec["containers"][0]
        self.proc = None

    def local(self, port):
        return self.ports[container_port(self.container, port)]


class Pods:
    """Runs containers as local processes, each pod with loopback ports of its own, and each
    Service as a Proxy over the ready pods it selects."""

    def __init__(self, m, binary, secrets, workdir, collector=None):
        self.m, self.binary, self.secrets, self.workdir = m, binary, secrets, workdir
        self.collector = collector
        self.proxies = {}  # (deployment name, containerPort) -> Proxy
        self.dns = {}  # "service-name:port" -> "127.0.0.1:proxy port"
        self.pods = []  # every Pod started, running or not
        self.serial = 0
        for d in m.of("Deployment"):
            c = d["spec"]["template"]["spec"]["containers"][0]
            for p in c["ports"]:
                self.proxies[(d["metadata"]["name"], p["containerPort"])] = Proxy(d["metadata"]["name"])
        for s in m.of("Service"):
            for d in m.of("Deployment"):
                if matches(s["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"]):
                    c = d["spec"]["template"]["spec"]["containers"][0]
                    for p in s["spec"]["ports"]:
                        proxy = self.proxies[(d["metadata"]["name"], container_port(c, p["targetPort"]))]
                        self.dns[f"{s['metadata']['name']}:{p['port']}"] = f"127.0.0.1:{proxy.port}"

    def env(self, owner, container, pod=None):
        env = {}
        for e in container.get("env", []):
            if "value" in e:
                value = str(e["value"])
            else:
                ref = e["valueFrom"]["secretKeyRef"]
                key = f"{ref['name']}/{ref['key']}"
                check(key in self.secrets, f"{owner}: env {e['name']} needs secret {key}, which is not given")
                value = self.secrets[key]
            env[e["name"]] = self.localize(owner, value, pod)
        if "OTEL_EXPORTER_OTLP_ENDPOINT" in env:
            check(self.collector is not None, f"{owner}: exports traces, but the smoke test has no collector")
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{self.collector.port}"
            # The values may sample (shared-multi-org keeps 1 in 10); every span here, so that
            # what the check sees does not depend on chance.
            env["OTEL_TRACES_SAMPLER"] = "always_on"
            env.pop("OTEL_TRACES_SAMPLER_ARG", None)
        return env

    def localize(self, owner, value, pod=None):
        """Cluster addresses in a value → the loopback ports that stand for them."""
        def listen(match):
            port = int(match.group(1))
            check(pod is not None and port in pod.ports, f"{owner} listens on {port}, which is not a container port")
            return f"127.0.0.1:{pod.ports[port]}"
        value = re.sub(r"^0\.0\.0\.0:(\d+)$", listen, value)
        def peer(match):
            check(match.group(2) in self.dns, f"{owner}: {match.group(2)} is no Service port of this release")
            return match.group(1) + self.dns[match.group(2)]
        return re.sub(r"^(https?://)([a-z0-9-]+:\d+)$", peer, value)

    def command(self, container):
        cmd = list(container.get("command") or []) + list(container.get("args") or [])
        check(cmd and cmd[0] == "attain", f"{container['name']}: command {cmd} does not run attain")
        return [self.binary] + cmd[1:]

    def run_job(self, job):
        pod = job["spec"]["template"]["spec"]
        c = pod["containers"][0]
        env = self.env(job["metadata"]["name"], c)
        print(f"  job {job['metadata']['name']}: {' '.join(self.command(c)[1:])}")
        run(self.command(c), env=env, timeout=job["spec"].get("activeDeadlineSeconds", 600), **self.user(pod))
        return env

    def user(self, pod):
        """The pod's runAsUser, when we may switch to it."""
        sc = pod.get("securityContext", {})
        if unprivileged() and "runAsUser" in sc:
            return {"user": sc["runAsUser"], "group": sc.get("runAsGroup", sc["runAsUser"])}
        return {}

    def start(self, d):
        """A new pod of Deployment d, with new ports (a new pod IP); not yet an endpoint."""
        self.serial += 1
        c = d["spec"]["template"]["spec"]["containers"][0]
        pod = Pod(d, f"{d['metadata']['name']}-{self.serial}", {p["containerPort"]: free_port() for p in c["ports"]})
        log = open(os.path.join(self.workdir, f"{pod.name}.log"), "w")
        # The container's environment only: what the manifest does not say, the pod lacks.
        pod.proc = subprocess.Popen(self.command(c), env=self.env(pod.name, c, pod), stdout=log,
                                    stderr=subprocess.STDOUT, cwd="/", **self.user(pod.spec))
        self.pods.append(pod)
        return pod

    def ready(self, pod):
        """The pod passed its readiness probe: the endpoints controller adds it to its Services."""
        for container_port_number, local in pod.ports.items():
            self.proxies[(pod.deployment["metadata"]["name"], container_port_number)].add(f"127.0.0.1:{local}")

    def terminate(self, pod, endpoint_lag):
        """Deletes a pod as the API server does: the kubelet sends SIGTERM at once, while the
        endpoints controller and kube-proxy take endpoint_lag seconds to stop sending it new
        connections."""
        pod.proc.send_signal(signal.SIGTERM)
        pod.terminated_at = time.time()

        def unlist():
            for container_port_number, local in pod.ports.items():
                self.proxies[(pod.deployment["metadata"]["name"], container_port_number)].remove(f"127.0.0.1:{local}")
        threading.Timer(endpoint_lag, unlist).start()

    def running(self, d):
        return [p for p in self.pods if p.deployment is d and p.proc.poll() is None
                and not hasattr(p, "terminated_at")]

    def service_port(self, d, port):
        """The Service address (proxy) of Deployment d's container port."""
        c = d["spec"]["template"]["spec"]["containers"][0]
        return self.proxies[(d["metadata"]["name"], container_port(c, port))].port

    def wait_stopped(self, pods):
        """Each pod must exit 0 within terminationGracePeriodSeconds of its SIGTERM."""
        errors = []
        for pod in pods:
            grace = pod.spec.get("terminationGracePeriodSeconds", 30)
            left = max(0.1, getattr(pod, "terminated_at", time.time()) + grace - time.time())
            try:
                code = pod.proc.wait(timeout=left)
                if code != 0:
                    errors.append(f"{pod.name} exited {code} on SIGTERM")
            except subprocess.TimeoutExpired:
                pod.proc.kill()
                errors.append(f"{pod.name} did not stop within terminationGracePeriodSeconds={grace}")
        return errors

    def stop_all(self):
        """SIGTERM, then the grace period, as the kubelet does; a pod must stop cleanly in it."""
        for pod in self.pods:
            if pod.proc.poll() is None and not hasattr(pod, "terminated_at"):
                pod.proc.send_signal(signal.SIGTERM)
                pod.terminated_at = time.time()
        errors = self.wait_stopped(self.pods)
        for proxy in self.proxies.values():
            proxy.close()
        return errors


def ask_probe(probe, port):
    """One probe attempt as the kubelet makes it: True on success."""
    timeout = probe.get("timeoutSeconds", 1)
    if "grpc" in probe:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=probe["grpc"].get("service", "")), timeout=timeout)
            except grpc.RpcError:
                return False
            return reply.status == health_pb2.HealthCheckResponse.SERVING
    http = probe["httpGet"]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{http['path']}", timeout=timeout) as r:
            return 200 <= r.status < 400
    except (urllib.error.URLError, OSError):
        return False


def wait_probe(pod, kind, quiet=False):
    probe = pod.container[kind]
    port = pod.local(probe_port(probe))
    attempts = probe.get("failureThreshold", 3) if kind == "startupProbe" else 30
    for _ in range(attempts):
        check(pod.proc.poll() is None, f"{pod.name} exited with {pod.proc.returncode} (see its log)")
        if ask_probe(probe, port):
            what = probe.get("grpc") or probe.get("httpGet")
            if not quiet:
                print(f"  {pod.name}: {kind} {'grpc' if 'grpc' in probe else 'httpGet'} {what} ok")
            return
        time.sleep(probe.get("periodSeconds", 10) if kind == "startupProbe" else 0.5)
    raise Failure(f"{pod.name}: {kind} {probe} never succeeded")


def start_ready(pods, d, quiet=False):
    """A new pod of d that has passed its startup, liveness and readiness probes, and is an
    endpoint of its Services from then on."""
    pod = pods.start(d)
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        wait_probe(pod, kind, quiet)
    pods.ready(pod)
    return pod


def call(port, method, key, request=b""):
    """A unary call with an empty (all-default) request message; the raw response bytes."""
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = channel.unary_unary(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
        return stub(request, metadata=[("authorization", f"Bearer {key}")], timeout=10)


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def scrape_all(pods, d):
    """/metrics of every running pod of d, each series summed over the pods (as sum() would)."""
    totals = {}
    for pod in pods.running(d):
        for line in scrape(pod.local("admin")).splitlines():
            if line and not line.startswith("#"):
                series, value = line.rsplit(" ", 1)
                totals[series] = totals.get(series, 0.0) + float(value)
    return "".join(f"{k} {int(v) if v == int(v) else v}\n" for k, v in totals.items())


def first_tenant(pods, notes_path):
    """Creates the first tenant and admin key exactly as NOTES.txt tells the operator to."""
    with open(notes_path) as f:
        notes = f.read()
    overrides = re.search(r"--overrides='(\{.*\})'", notes)
    check(overrides, "NOTES.txt shows no kubectl run --overrides for the first tenant")
    container = json.loads(overrides.group(1))["spec"]["containers"][0]
    env = pods.env("NOTES.txt", container)
    tenant = run([pods.binary] + container["args"], env=env).strip()
    check(re.fullmatch(r"[0-9a-f-]{36}", tenant), f"the NOTES' tenant command printed {tenant!r}, not an id")
    key_args = re.search(r"the same with args (\[.*\])", notes)
    check(key_args, "NOTES.txt does not say how to create the admin key")
    args = [tenant if a == "<tenant id>" else a for a in json.loads(key_args.group(1))]
    key = run([pods.binary] + args, env=env).strip()
    check(key.startswith("attain_"), "the NOTES' key command printed no API key")
    print("  first tenant and admin key made with the commands NOTES.txt shows: ok")
    return key


def cross_service_calls(m, pods, notes_path):
    """A tenant and key made as NOTES.txt says, then calls that need a second service."""
    key = first_tenant(pods, notes_path)
    deployments = {d["metadata"]["name"].rsplit("-", 1)[1]: d for d in m.of("Deployment")}
    # Through the Services, as a client in the cluster calls them: any replica answers.
    grpc_port = lambda svc: pods.service_port(deployments[svc], "grpc")

    reply = call(grpc_port("scorecard"), "/attain.org.v1.OrgService/GetTenant", key)
    check(b"Acme Sales" in reply, "scorecard GetTenant did not return the tenant NOTES.txt created")
    # The metrics service checks the key with the scorecard service (ATTAIN_ORG_URL).
    reply = call(grpc_port("metrics"), "/attain.metrics.v1.MetricsService/ListMetrics", key)
    check(len(reply) > 0, "metrics ListMetrics returned no built-in metrics")
    try:
        call(grpc_port("metrics"), "/attain.metrics.v1.MetricsService/ListMetrics", key[:-4] + "AAAA")
        raise Failure("metrics accepted a wrong API key")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.UNAUTHENTICATED, f"a wrong key gave {e.code()}, not UNAUTHENTICATED")
    print("  metrics → scorecard: ListMetrics with the key the scorecard service verified: ok")
    # The other direction: a scorecard needs the metrics service's totals (ATTAIN_METRICS_URL).
    # The CLI's own clients fill a small demo org and ask for one scorecard.
    client_env = {"ATTAIN_API_KEY": key, "ATTAIN_LOG": "warn",
                  "ATTAIN_ORG_URL": f"http://127.0.0.1:{grpc_port('scorecard')}",
                  "ATTAIN_METRICS_URL": f"http://127.0.0.1:{grpc_port('metrics')}"}
    if "coaching" in deployments:
        client_env["ATTAIN_COACHING_URL"] = f"http://127.0.0.1:{grpc_port('coaching')}"
    if "hiring" in deployments:
        client_env["ATTAIN_HIRING_URL"] = f"http://127.0.0.1:{grpc_port('hiring')}"
    seeded = run([pods.binary, "demo", "seed", "--days", "3"], env=client_env, timeout=120)
    card = run([pods.binary, "scorecard", "Ana Lopez", "--period", "month"], env=client_env, timeout=60)
    check("Ana Lopez" in card and "Calls" in card, f"no scorecard for Ana Lopez:\n{card}")
    print("  scorecard → metrics: attain demo seed, then Ana Lopez's scorecard: ok")
    if "coaching" in deployments:
        call(grpc_port("coaching"), "/attain.coaching.v1.CoachingService/ListSessions", key)
        print("  coaching → scorecard: ListSessions: ok")
    if "hiring" in deployments:
        # The demo's candidates and requisitions went through the hiring service, which checks
        # people and teams with the scorecard service (ATTAIN_ORG_URL).
        pipeline = run([pods.binary, "hiring", "pipeline"], env=client_env, timeout=60)
        check("open requisitions" in seeded and "No open requisitions" not in pipeline,
              f"no hiring pipeline after the demo:\n{seeded}\n{pipeline}")
        print("  hiring → scorecard: the demo's hiring pipeline, then attain hiring pipeline: ok")

    text = scrape_all(pods, deployments["metrics"])
    handled = r'grpc_server_handled_total\{grpc_service="attain.metrics.v1.MetricsService",grpc_method="ListMetrics",'
    check(re.search(handled + r'grpc_code="OK"\} [1-9]', text)
          and re.search(handled + r'grpc_code="UNAUTHENTICATED"\} 1\n', text),
          f"metrics /metrics does not count the calls:\n{text}")
    check(re.search(r'grpc_server_handled_total\{grpc_service="attain.metrics.v1.MetricsService",'
                    r'grpc_method="GetTotals",grpc_code="OK"\} [1-9]', text),
          "the metrics service's /metrics shows no GetTotals call from the scorecard service")
    text = scrape_all(pods, deployments["scorecard"])
    check(re.search(r'grpc_server_handled_total\{grpc_service="attain.org.v1.CredentialService",'
                    r'grpc_method="VerifyApiKey",grpc_code="OK"\} [1-9]', text),
          "the scorecard service's /metrics shows no VerifyApiKey call from the metrics service")
    print("  /metrics of the metrics and scorecard pods (summed over replicas) counted the calls")
    return key


# A unary call per service that needs only a tenant's key (empty request), for the load.
LOAD = {
    "scorecard": "/attain.org.v1.OrgService/GetTenant",
    "metrics": "/attain.metrics.v1.MetricsService/ListMetrics",
    "coaching": "/attain.coaching.v1.CoachingService/ListSessions",
    "hiring": "/attain.hiring.v1.HiringService/ListRequisitions",
}


class Load:
    """Clients calling every service through its Service without pause, each on one long-lived
    channel (as a real client keeps one), counting the calls that fail."""

    def __init__(self, pods, deployments, key, workers=2):
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.ok, self.failures = 0, []
        self.peer_failures = {}  # pod name -> {series: count} of failed calls it made to peers
        self.threads = [threading.Thread(target=self.watch_peers, args=(pods,), daemon=True)]
        self.threads[0].start()
        for component, d in deployments.items():
            for _ in range(workers):
                t = threading.Thread(target=self.worker, daemon=True,
                                     args=(component, pods.service_port(d, "grpc"), LOAD[component], key))
                t.start()
                self.threads.append(t)

    def worker(self, component, port, method, key):
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = channel.unary_unary(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
            while not self.stopping.is_set():
                try:
                    stub(b"", metadata=[("authorization", f"Bearer {key}")], timeout=10)
                    with self.lock:
                        self.ok += 1
                except grpc.RpcError as e:
                    with self.lock:
                        self.failures.append((time.time(), component, e.code().name, e.details()))
                time.sleep(0.02)

    def watch_peers(self, pods):
        """The failed calls each pod made to other services (grpc_client_handled_total, not OK),
        as last scraped before it exited: these include calls no load client sees (background
        work such as milestone detection), so they are reported, not asserted."""
        while not self.stopping.is_set():
            for pod in list(pods.pods):
                if pod.proc.poll() is not None:
                    continue
                try:
                    text = scrape(pod.local("admin"))
                except (urllib.error.URLError, OSError):
                    continue
                failed = {}
                for line in text.splitlines():
                    if line.startswith("grpc_client_handled_total{") and 'grpc_code="OK"' not in line:
                        series, value = line.rsplit(" ", 1)
                        failed[series] = float(value)
                self.peer_failures[pod.name] = failed
            time.sleep(0.5)

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=15)


def rolling_restart(m, pods, key, endpoint_lag):
    """`kubectl rollout restart` of every Deployment, under load: as the manifests' strategy
    says (maxSurge 1, maxUnavailable 0), a new pod starts and becomes ready, then an old one
    is deleted (SIGTERM now, out of the endpoints endpoint_lag seconds later), one at a time.
    Every unary call made meanwhile must succeed, and every old pod must exit 0 in its grace."""
    deployments = {d["metadata"]["name"].rsplit("-", 1)[1]: d for d in m.of("Deployment")}
    for d in deployments.values():
        strategy = d["spec"]["strategy"]["rollingUpdate"]
        check(strategy == {"maxUnavailable": 0, "maxSurge": 1}, f"{d['metadata']['name']}: rollout strategy {strategy}")
    load = Load(pods, deployments, key)
    time.sleep(1)
    started, replaced = time.time(), []
    for component, d in sorted(deployments.items()):
        for old in pods.running(d):
            start_ready(pods, d, quiet=True)
            pods.terminate(old, endpoint_lag)
            replaced.append(old)
    errors = pods.wait_stopped(replaced)
    time.sleep(1)
    load.stop()
    took = time.time() - started
    print(f"  rolling restart of {len(replaced)} pods ({len(deployments)} Deployments, endpoints updated "
          f"{endpoint_lag} s after SIGTERM) in {took:.0f} s under load: {load.ok + len(load.failures)} unary calls, "
          f"{len(load.failures)} failed")
    kinds = {}
    for t, component, code, details in load.failures:
        kinds.setdefault((component, code, details), []).append(t - started)
    for (component, code, details), times in sorted(kinds.items()):
        print(f"    {len(times)} × {component} {code}: {details} (at {', '.join(f'{x:.1f}' for x in times[:5])} s"
              f"{' …' if len(times) > 5 else ''})")
    peer = {}
    for failed in load.peer_failures.values():
        for series, value in failed.items():
            peer[series] = peer.get(series, 0) + value
    print(f"  calls between the services that failed meanwhile (last scrape of each pod, reported only): "
          f"{int(sum(peer.values()))}")
    for series, value in sorted(peer.items()):
        print(f"    {int(value)} × {series}")
    check(not errors, "; ".join(errors))
    check(load.ok > 0, "no call succeeded during the rolling restart")
    check(not load.failures, f"{len(load.failures)} unary calls failed during the rolling restart")


def traces_arrived(m, collector):
    """With otel.endpoint set, every Deployment's spans reached the collector under its own
    service.name, and the cross-service calls above were traced across services."""
    for d in m.of("Deployment"):
        env = {e["name"]: e.get("value") for e in d["spec"]["template"]["spec"]["containers"][0].get("env", [])}
        name = env.get("OTEL_SERVICE_NAME")
        check(name, f"{d['metadata']['name']}: exports traces without OTEL_SERVICE_NAME")
        check(any(s == name for s, _, _ in collector.spans),
              f"no span from {name} reached the collector (got {sorted({s for s, _, _ in collector.spans})})")
    by_trace = {}
    for service, _, trace in collector.spans:
        by_trace.setdefault(trace, set()).add(service)
    check(any(len(services) >= 2 for services in by_trace.values()),
          "no trace spans two services: traceparent did not travel between them")
    print(f"  {len(collector.spans)} spans from {len({s for s, _, _ in collector.spans})} services reached the "
          f"OTLP collector; {sum(len(v) >= 2 for v in by_trace.values())} traces cross services")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary")
    ap.add_argument("--manifests", required=True)
    ap.add_argument("--setup", default="", help="SQL a DBA runs before installing (roles, grants)")
    ap.add_argument("--after-migrate", default="", help="SQL a DBA runs after the migration hook")
    ap.add_argument("--secret", action="append", default=[], help="NAME/KEY=VALUE")
    ap.add_argument("--notes", help="the release's NOTES.txt, as helm install prints it")
    ap.add_argument("--static-only", action="store_true", help="only the checks that need no process")
    ap.add_argument("--replicas", type=int, default=2, help="pods per Deployment")
    ap.add_argument("--endpoint-lag", type=float, default=1.0,
                    help="seconds from a pod's SIGTERM until its Services stop sending it new connections")
    args = ap.parse_args()

    m = Manifests(args.manifests)
    static_checks(m)
    print(f"  static checks of {len(m.docs)} objects: selectors, named ports, probes, security contexts, network policies ok")
    if args.static_only:
        return
    jobs = m.of("Job")
    check(len(jobs) == 1, f"expected one migration Job, found {len(jobs)}")
    hook = jobs[0]["metadata"].get("annotations", {}).get("helm.sh/hook")
    # A hook runs before the Deployments; a plain Job (migration.useHooks=false) runs beside them,
    # and the pods wait for it through /readyz. Either way it runs first here.
    check(hook is None or ("pre-install" in hook and "pre-upgrade" in hook),
          f"the migration Job's hook is {hook!r}, not pre-install,pre-upgrade")

    check(args.binary and args.notes, "--binary and --notes are required to run the manifests")
    workdir = tempfile.mkdtemp(prefix="attain-chart-smoke-")
    os.chmod(workdir, 0o755)
    # A copy the pods' unprivileged user can execute wherever the build tree is.
    binary = os.path.join(workdir, "attain")
    shutil.copy(args.binary, binary)
    os.chmod(binary, 0o755)
    pg = Postgres(workdir)
    pods = None
    collector = None
    ok = False
    try:
        pg.sql("CREATE DATABASE attain")
        if args.setup:
            pg.sql(args.setup, database="attain")
        secrets = {}
        for s in args.secret:
            k, v = s.split("=", 1)
            secrets[k] = v.replace("{db}", f"127.0.0.1:{pg.port}")
        exporting = any(e["name"] == "OTEL_EXPORTER_OTLP_ENDPOINT"
                        for d in m.of("Deployment") for e in d["spec"]["template"]["spec"]["containers"][0].get("env", []))
        collector = Collector() if exporting else None
        pods = Pods(m, binary, secrets, workdir, collector)
        pods.run_job(jobs[0])
        if args.after_migrate:
            pg.sql(args.after_migrate, database="attain")
        # Two replicas of every Deployment, whatever its replicas say: enough to restart one
        # while the other serves. All start at once, as on an install.
        started = [pods.start(d) for d in m.of("Deployment") for _ in range(args.replicas)]
        for i, pod in enumerate(started):
            # Each probe is printed for the first pod of a Deployment; the others pass it too.
            quiet = any(p.deployment is pod.deployment for p in started[:i])
            for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
                wait_probe(pod, kind, quiet)
            pods.ready(pod)
        print(f"  {len(started)} pods ready ({args.replicas} per Deployment), every probe as the manifests define it")
        key = cross_service_calls(m, pods, args.notes)
        rolling_restart(m, pods, key, args.endpoint_lag)
        errors = pods.stop_all()
        check(not errors, "; ".join(errors))
        print(f"  {len(pods.pods)} pods stopped cleanly on SIGTERM within terminationGracePeriodSeconds")
        if collector:
            traces_arrived(m, collector)
        ok = True
    finally:
        if pods and not ok:
            pods.stop_all()
            for pod in pods.pods:
                with open(os.path.join(workdir, f"{pod.name}.log")) as f:
                    print(f"---- {pod.name} log ----\n{f.read()[-4000:]}", file=sys.stderr)
        pg.stop()
        if collector:
            collector.stop()
        if ok:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir} for inspection", file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print(f"chart smoke test FAILED: {e}", file=sys.stderr)
        sys.exit(1)
