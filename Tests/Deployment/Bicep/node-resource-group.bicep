// A test subject for infra/modules/node-resource-group.bicep, run by `bicep test node-resource-group.tests.bicep`.
import { nodeResourceGroupName } from '../../../infra/modules/node-resource-group.bicep'

param resourceGroupName string
param clusterName string
param location string
param expected string

assert isTheExpectedName = nodeResourceGroupName(resourceGroupName, clusterName, location) == expected
assert fitsInEightyCharacters = length(nodeResourceGroupName(resourceGroupName, clusterName, location)) <= 80
