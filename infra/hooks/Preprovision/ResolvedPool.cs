using System.Globalization;

namespace Hooks.Preprovision;

/// <summary>
/// A node pool as this provision will create it: the plan's values with the azd environment's overrides applied, as
/// main.parameters.json passes them to Bicep, and the nodes it has now when the cluster exists.
/// </summary>
internal sealed record ResolvedPool(string Name, string VmSize, int MinCount, int MaxCount, bool Spot, int SurgeNodes, IReadOnlyList<string> Zones, int CurrentCount)
{
    /// <summary>Nodes the pool may need at once: its maximum, plus the extra nodes an upgrade surges.</summary>
    public int PeakNodes => MaxCount + SurgeNodes;

    public static IReadOnlyList<ResolvedPool> Resolve(HookContext context) => [.. context.Plan.AllPools.Select(p => Resolve(context, p))];

    private static ResolvedPool Resolve(HookContext context, PoolEntry pool)
    {
        var vmSize = Override(context, pool.Variables.VmSize) ?? pool.VmSize;
        var min = Number(context, pool.Variables.MinCount, pool.MinCount);
        var max = Number(context, pool.Variables.MaxCount, pool.MaxCount);
        var spot = Override(context, pool.Variables.Spot) is { } text
            ? bool.TryParse(text, out var value) ? value : throw new HookFailedException($"{pool.Variables.Spot} is '{text}': use true or false.")
            : false;
        if (min < 0 || max < 1 || min > max)
        {
            throw new HookFailedException($"Node pool {pool.Name}: the node counts must satisfy 0 <= min <= max and max >= 1 (min {min}, max {max}).");
        }

        var current = Number(context, pool.Variables.CurrentCount, 0);
        return new ResolvedPool(pool.Name, vmSize, min, max, spot, SurgeFor(pool.MaxSurge, max), pool.Zones ?? [], current);
    }

    /// <summary>AKS's maxSurge: a node count, or a percentage of the pool rounded up.</summary>
    public static int SurgeFor(string maxSurge, int nodes) => maxSurge.EndsWith('%')
        ? (int)Math.Ceiling(nodes * int.Parse(maxSurge[..^1], CultureInfo.InvariantCulture) / 100.0)
        : int.Parse(maxSurge, CultureInfo.InvariantCulture);

    private static string? Override(HookContext context, string? variable) => variable is null ? null : context.Environment[variable];

    private static int Number(HookContext context, string? variable, int fallback) => Override(context, variable) is { } text
        ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw new HookFailedException($"{variable} is '{text}': use a whole number.")
        : fallback;
}
