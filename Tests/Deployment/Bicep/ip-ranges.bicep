// A test subject for infra/modules/ip-ranges.bicep, run by `bicep test ip-ranges.tests.bicep`.
import { ipRanges } from '../../../infra/modules/ip-ranges.bicep'

param list string
param expected array

assert isTheExpectedList = ipRanges(list) == expected
