// The AKS node resource group's name. AKS names it MC_<resource group>_<cluster>_<region> unless told otherwise, and
// refuses a name over 80 characters: "The length of the node resource group name is too long. The maximum length is 80
// and the length of the value provided is 89." (InvalidParameter; aka.ms/aks-naming-rules; Azure-Terraform
// terraform-azurerm-kubernetes issue 33). With a 64-character azd environment name the default reaches 107. The
// default is kept wherever it fits (a cluster's node resource group cannot be renamed, so existing clusters keep
// theirs); a longer one is cut to fit and stays unique, because the cluster's name carries the resource token.
// Tests/Deployment/Bicep runs `bicep test` on it.

@export()
@description('AKS\'s default node resource group name when it has at most 80 characters, else MC_<group, cut>_<cluster>.')
func nodeResourceGroupName(resourceGroupName string, clusterName string, location string) string =>
  length('MC_${resourceGroupName}_${clusterName}_${location}') <= 80
    ? 'MC_${resourceGroupName}_${clusterName}_${location}'
    : 'MC_${take(resourceGroupName, 80 - 4 - length(clusterName))}_${clusterName}'
