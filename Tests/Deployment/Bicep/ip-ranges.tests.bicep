// The API server's authorized ranges from the azd value (infra/modules/ip-ranges.bicep).

// Not set: no restriction (an empty list lifts one that was set before).
test noneWhenEmpty 'ip-ranges.bicep' = {
  params: {
    list: ''
    expected: []
  }
}

// Ranges as written, spaces and a trailing comma tolerated.
test rangesAsWritten 'ip-ranges.bicep' = {
  params: {
    list: ' 203.0.113.0/24, 198.51.100.7/32 ,'
    expected: ['203.0.113.0/24', '198.51.100.7/32']
  }
}

// A bare address is that one address.
test aBareAddressIsItsSlash32 'ip-ranges.bicep' = {
  params: {
    list: '198.51.100.7,203.0.113.0/24'
    expected: ['198.51.100.7/32', '203.0.113.0/24']
  }
}
