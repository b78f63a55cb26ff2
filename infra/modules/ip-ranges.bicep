// An azd value listing IP ranges (AKS_API_AUTHORIZED_IP_RANGES): comma-separated CIDRs, spaces allowed, empty for none.
// A bare address is taken as that one address (/32), as the Azure CLI's --api-server-authorized-ip-ranges takes it.
// Tests/Deployment/Bicep runs `bicep test` on it.

@export()
@description('The IPv4 CIDR ranges of a comma-separated list (empty: none); a bare address becomes its /32.')
func ipRanges(list string) string[] =>
  map(filter(map(split(list, ','), r => trim(r)), r => !empty(r)), r => contains(r, '/') ? r : '${r}/32')
