// Wrapper module: builds etcd (the control plane's store) at the kit's pinned version. The server
// module points four sibling modules at ../ paths that a module download lacks; each is replaced
// here with the published module of the same release.
module ods.local/cluster/etcd

go 1.26.0

require go.etcd.io/etcd/server/v3 v3.6.16

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 v3.6.16
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 v3.6.16
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 v3.6.16
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 v3.6.16
)
