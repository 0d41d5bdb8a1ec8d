// Wrapper module: builds MOCO's controller (it turns MySQLCluster and BackupPolicy objects into the
// StatefulSets, Services and backup CronJobs whose pods the check must see) at the version the kit's
// moco chart ships.
module ods.local/cluster/moco

go 1.26.2

require github.com/cybozu-go/moco v0.36.0
