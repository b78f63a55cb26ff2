// The storage account's IP rules from the azd value (infra/modules/ip-ranges.bicep): a storage account refuses a /32
// range and takes the bare address instead (learn.microsoft.com azure/storage/common/storage-network-security-limitations).

// Not set: no rule.
test noneWhenEmpty 'storage-ip-rules.bicep' = {
  params: {
    list: ''
    expected: []
  }
}

// A /32, written either way, is the bare address; a wider range stays a range.
test aSlash32IsTheBareAddress 'storage-ip-rules.bicep' = {
  params: {
    list: '198.51.100.7/32, 198.51.100.8, 203.0.113.0/24'
    expected: ['198.51.100.7', '198.51.100.8', '203.0.113.0/24']
  }
}

// A range that merely contains "/32" elsewhere is not cut.
test onlyTheSuffixIsCut 'storage-ip-rules.bicep' = {
  params: {
    list: '203.0.113.32/28'
    expected: ['203.0.113.32/28']
  }
}
