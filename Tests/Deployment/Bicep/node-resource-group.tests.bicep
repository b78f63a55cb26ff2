// The node resource group AKS is asked to create (infra/modules/node-resource-group.bicep).

// A short environment name: AKS's own default, so an existing cluster keeps its group.
test keepsTheDefaultWhereItFits 'node-resource-group.bicep' = {
  params: {
    resourceGroupName: 'rg-llmchat-prod'
    clusterName: 'aks-x7k2p9abcdefg'
    location: 'westeurope'
    expected: 'MC_rg-llmchat-prod_aks-x7k2p9abcdefg_westeurope'
  }
}

// The longest azd environment name (64 characters) in the longest region name: cut to 80, the cluster kept whole.
test cutsTheLongestToEighty 'node-resource-group.bicep' = {
  params: {
    resourceGroupName: 'rg-llmchat-a-very-long-environment-name-for-the-platform-team-stagi'
    clusterName: 'aks-x7k2p9abcdefg'
    location: 'australiasoutheast'
    expected: 'MC_rg-llmchat-a-very-long-environment-name-for-the-platform-te_aks-x7k2p9abcdefg'
  }
}

// Exactly 80 with the default: kept.
test keepsADefaultOfExactlyEighty 'node-resource-group.bicep' = {
  params: {
    resourceGroupName: 'rg-llmchat-an-environment-name-of-forty-eight-ch'
    clusterName: 'aks-x7k2p9abcdefg'
    location: 'westeurope'
    expected: 'MC_rg-llmchat-an-environment-name-of-forty-eight-ch_aks-x7k2p9abcdefg_westeurope'
  }
}
