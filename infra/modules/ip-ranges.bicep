// An azd value listing IP ranges (AKS_API_AUTHORIZED_IP_RANGES): comma-separated CIDRs, spaces allowed, empty for none.
// A bare address is taken as that one address (/32), as the Azure CLI's --api-server-authorized-ip-ranges takes it.
// Tests/Deployment/Bicep runs `bicep test` on it.

@export()
@description('The IPv4 CIDR ranges of a comma-separated list (empty: none); a bare address becomes its /32.')
func ipRanges(list string) string[] =>
  map(filter(map(split(list, ','), r => trim(r)), r => !empty(r)), r => contains(r, '/') ? r : '${r}/32')

// Storage accounts take a single address, never a /31 or /32 range ("Small address ranges using prefix sizes /31 or
// /32 are not supported"; learn.microsoft.com azure/storage/common/storage-network-security-limitations): a /32 is
// given as its bare address. Key Vault takes either.
@export()
@description('The ranges of ipRanges(list), each /32 written as its bare address, as a storage account\'s IP rules take them.')
func storageIpRules(list string) string[] => map(ipRanges(list), r => endsWith(r, '/32') ? take(r, length(r) - 3) : r)
