// A test subject for storageIpRules in infra/modules/ip-ranges.bicep, run by `bicep test storage-ip-rules.tests.bicep`.
import { storageIpRules } from '../../../infra/modules/ip-ranges.bicep'

param list string
param expected array

assert isTheExpectedList = storageIpRules(list) == expected
