// Wrapper module: builds kwok (fake nodes whose pods become ready without a kubelet) at the kit's
// pinned version.
module ods.local/cluster/kwok

go 1.26.0

require sigs.k8s.io/kwok v0.8.0
