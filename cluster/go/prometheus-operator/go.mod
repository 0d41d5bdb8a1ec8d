// Wrapper module: builds the Prometheus operator (it turns Prometheus and Alertmanager objects into
// StatefulSets) at the version the kit's kube-prometheus-stack chart ships. Its two API modules are
// pointed at ./pkg paths that a module download lacks; each is replaced with the published module of
// the same release.
module ods.local/cluster/prometheus-operator

go 1.26.0

require github.com/prometheus-operator/prometheus-operator v0.93.1

replace (
	github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring => github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring v0.93.1
	github.com/prometheus-operator/prometheus-operator/pkg/client => github.com/prometheus-operator/prometheus-operator/pkg/client v0.93.1
)
