using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace StreamBench;

/// <summary>
/// The types a process allocated most, from a dotnet-trace <c>gc-verbose</c> trace: the runtime's allocation ticks
/// (one about every 100 KB allocated, naming the type that crossed the mark), summed by type. A sample, not a count:
/// the shares are what matter.
/// </summary>
public static class AllocationTypes
{
    public static IReadOnlyList<(string Type, double Share)> Top(string nettrace, int top)
    {
        var bytes = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        using (var source = new EventPipeEventSource(nettrace))
        {
            source.Clr.GCAllocationTick += (GCAllocationTickTraceData tick) =>
            {
                var amount = tick.AllocationAmount64;
                total += amount;
                var type = tick.TypeName ?? "?";
                bytes[type] = bytes.GetValueOrDefault(type) + amount;
            };
            source.Process();
        }

        return total == 0 ? [] : [.. bytes.OrderByDescending(b => b.Value).Take(top).Select(b => (b.Key, (double)b.Value / total))];
    }
}
