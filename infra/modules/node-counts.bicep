// The node count a provision sends for an autoscaled pool. AKS requires `count` on every agent pool PUT, and applies
// it: sending the pool's minimum on each provision would undo the cluster autoscaler's scale-out on every CI deploy.
// So the count is the one the pool has now (the preprovision hook reads it into AKS_<POOL>_CURRENT_COUNT), kept within
// the pool's bounds (a lowered maximum does shrink it), or the minimum (at least one node) for a pool that is new.
// Tests/Deployment/Bicep runs `bicep test` on it.

@export()
@description('The count to send: the current count within [minCount, maxCount], or max(minCount, 1) when there is none.')
func poolCount(current string, minCount int, maxCount int) int =>
  empty(current) ? max(minCount, 1) : min(max(int(current), minCount), maxCount)
