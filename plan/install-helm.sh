#!/usr/bin/env bash
# Builds the pinned Helm into .tools/bin/helm for the offline plan's chart rendering.
#
# v3.19.5 is the Helm that @pulumi/kubernetes 4.34.2 embeds, so `helm template` here renders what
# helm.v4.Chart renders. A plain `go install` leaves Helm's version unset, and Helm then assumes
# Kubernetes v1.20; the -X flags stamp the version and a default Kubernetes 1.35 (the plan passes
# --kube-version from the stack anyway). Idempotent: a binary that reports v3.19.5 and renders
# with Kubernetes v1.35.0 by default is kept. ODS_HELM_BIN points the plan at another binary and
# makes this script do nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELM_VERSION="v3.19.5"
K8S_MAJOR=1
K8S_MINOR=35
BIN_DIR="$ROOT/.tools/bin"
HELM="$BIN_DIR/helm"
stamp="$HELM_VERSION-k8s$K8S_MAJOR.$K8S_MINOR"

if [ -n "${ODS_HELM_BIN:-}" ]; then
  echo "install-helm: ODS_HELM_BIN=$ODS_HELM_BIN, nothing to build"
  exit 0
fi

# The binary's own answer, not only the stamp: the default Kubernetes version a chart sees.
works() {
  [ -x "$HELM" ] || return 1
  [ "$("$HELM" version --template '{{.Version}}' 2>/dev/null)" = "$HELM_VERSION" ] || return 1
  local chart
  chart="$(mktemp -d)"
  mkdir -p "$chart/templates"
  printf 'apiVersion: v2\nname: probe\nversion: 0.0.1\n' >"$chart/Chart.yaml"
  printf 'kube: {{ .Capabilities.KubeVersion.Version }}\n' >"$chart/templates/probe.yaml"
  local out
  out="$("$HELM" template probe "$chart" 2>/dev/null || true)"
  rm -rf "$chart"
  [[ "$out" == *"kube: v$K8S_MAJOR.$K8S_MINOR.0"* ]]
}

if works; then
  [ -f "$HELM.stamp" ] && [ "$(cat "$HELM.stamp")" = "$stamp" ] || echo "$stamp" >"$HELM.stamp"
  echo "install-helm: $HELM is up to date (Helm $HELM_VERSION, default Kubernetes $K8S_MAJOR.$K8S_MINOR)"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-helm: Go is required to build Helm $HELM_VERSION (or set ODS_HELM_BIN to a Helm $HELM_VERSION binary)." >&2
  exit 1
fi

mkdir -p "$BIN_DIR"
echo "install-helm: building Helm $HELM_VERSION (a few minutes on an empty Go cache)"
start=$(date +%s)
rm -f "$HELM.stamp"
GOBIN="$BIN_DIR" go install -trimpath -ldflags "-s -w \
  -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$K8S_MAJOR \
  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$K8S_MINOR" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
if ! works; then
  echo "install-helm: the built $HELM does not report $HELM_VERSION with Kubernetes $K8S_MAJOR.$K8S_MINOR" >&2
  exit 1
fi
echo "$stamp" >"$HELM.stamp"
echo "install-helm: done in $(($(date +%s) - start))s"
