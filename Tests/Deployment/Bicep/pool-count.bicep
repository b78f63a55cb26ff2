// A test subject for infra/modules/node-counts.bicep, run by `bicep test pool-count.tests.bicep` (the Bicep CLI's own
// evaluator; experimental features enabled for this folder only, never for infra/).
import { poolCount } from '../../../infra/modules/node-counts.bicep'

param current string
param minCount int
param maxCount int
param expected int

assert sendsTheExpectedCount = poolCount(current, minCount, maxCount) == expected
