targetScope = 'subscription'

@description('Turns on the Microsoft Defender for Containers plan of the subscription (billed per vCore).')
param enabled bool = false

resource containers 'Microsoft.Security/pricings@2024-01-01' = if (enabled) {
  name: 'Containers'
  properties: {
    pricingTier: 'Standard'
  }
}
