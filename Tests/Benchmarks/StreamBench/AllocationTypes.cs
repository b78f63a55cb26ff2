using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace StreamBench;

/// <summary>
/// The types a process allocated most, from a dotnet-trace <c>gc-verbose</c> trace: the runtime's allocation ticks
/// (one about every 100 KB allocated, naming the type that crossed the mark), summed by type. A sample, not a count:
/// the shares are what matter. And the objects the finalizer ran for, by type: each one was dropped undisposed.
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

    /// <summary>The types whose objects the finalizer thread ran (the runtime's FinalizeObject events), counted.</summary>
    public static IReadOnlyList<(string Type, long Count)> Finalized(string nettrace, int top)
    {
        // The event names its type by id; the allocation ticks and bulk type events the same trace carries give names.
        var counts = new Dictionary<ulong, long>();
        var names = new Dictionary<ulong, string>();
        using (var source = new EventPipeEventSource(nettrace))
        {
            source.Clr.GCFinalizeObject += (FinalizeObjectTraceData finalized) =>
                counts[finalized.TypeID] = counts.GetValueOrDefault(finalized.TypeID) + 1;
            source.Clr.GCAllocationTick += (GCAllocationTickTraceData tick) => names.TryAdd(tick.TypeID, tick.TypeName);
            source.Clr.TypeBulkType += (GCBulkTypeTraceData types) =>
            {
                for (var i = 0; i < types.Count; i++)
                {
                    var type = types.Values(i);
                    names.TryAdd(type.TypeID, type.TypeName);
                }
            };
            source.Process();
        }

        return [.. counts.OrderByDescending(c => c.Value).Take(top).Select(c => (names.GetValueOrDefault(c.Key, $"type {c.Key:x}"), c.Value))];
    }

    /// <summary>
    /// Where the sampled bytes were allocated: each tick's stack, walked up from the allocation to the first frame
    /// outside the runtime's own <c>System.*</c> libraries (the code that asked for the memory), summed by that frame.
    /// </summary>
    public static IReadOnlyList<(string Site, double Share)> Sites(string nettrace, int top)
    {
        var bytes = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        var etlx = TraceLog.CreateFromEventPipeDataFile(nettrace);
        using (var log = new TraceLog(etlx))
        {
            foreach (var tick in log.Events.ByEventType<GCAllocationTickTraceData>())
            {
                var amount = tick.AllocationAmount64;
                total += amount;
                var site = "?";
                for (var frame = tick.CallStack(); frame is not null; frame = frame.Caller)
                {
                    var module = frame.CodeAddress.ModuleName ?? string.Empty;
                    if (module.Length > 0 && !module.StartsWith("System.", StringComparison.Ordinal))
                    {
                        site = $"{module}!{frame.CodeAddress.FullMethodName}";
                        break;
                    }
                }

                bytes[site] = bytes.GetValueOrDefault(site) + amount;
            }
        }

        return total == 0 ? [] : [.. bytes.OrderByDescending(b => b.Value).Take(top).Select(b => (b.Key, (double)b.Value / total))];
    }
}
