// What a provision sends as an autoscaled pool's count (docs/deploy.md, "Node counts on a second provision").

// The cluster autoscaler scaled the GPU pool out to 3: the next provision keeps 3.
test keepsTheAutoscalersCount 'pool-count.bicep' = {
  params: { current: '3', minCount: 1, maxCount: 3, expected: 3 }
}

// Scaled in to its minimum overnight: kept, not raised.
test keepsAScaledInCount 'pool-count.bicep' = {
  params: { current: '1', minCount: 1, maxCount: 6, expected: 1 }
}

// The maximum was lowered (AKS_GPU_MAX_COUNT=2) below what the pool has: the provision shrinks it to the new bound.
test shrinksToALoweredMaximum 'pool-count.bicep' = {
  params: { current: '3', minCount: 1, maxCount: 2, expected: 2 }
}

// The minimum was raised above what the pool has: grown to the new bound.
test growsToARaisedMinimum 'pool-count.bicep' = {
  params: { current: '1', minCount: 2, maxCount: 6, expected: 2 }
}

// A new pool starts at its minimum.
test startsANewPoolAtItsMinimum 'pool-count.bicep' = {
  params: { current: '', minCount: 2, maxCount: 6, expected: 2 }
}

// A new pool that may scale to zero starts with one node (a pool is created with at least one).
test startsAScaleToZeroPoolWithOneNode 'pool-count.bicep' = {
  params: { current: '', minCount: 0, maxCount: 3, expected: 1 }
}
