using System.Globalization;

namespace Hooks.Preprovision;

/// <summary>
/// Records each pool's node count before Bicep runs, so the provision sends the count the pool has now. AKS's
/// agent pool PUT requires <c>count</c>; sending the plan's minimum on every provision would ask an autoscaled pool to
/// shrink (or be refused while the cluster autoscaler owns it) on every CI deploy. The current count makes the PUT
/// change nothing the autoscaler decided (docs/deploy.md, "Node counts on a second provision").
/// </summary>
internal static class NodePoolCounts
{
    public static void Record(HookContext context)
    {
        var group = context.Environment["AZURE_RESOURCE_GROUP"];
        var cluster = context.Environment["AZURE_AKS_CLUSTER_NAME"];
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (group is not null && cluster is not null)
        {
            var (pools, result) = context.Az.TryJson("aks", "nodepool", "list", "--resource-group", group, "--cluster-name", cluster);
            if (!result.Succeeded && !Tools.Az.IsNotFound(result))
            {
                result.OrThrow();
            }

            foreach (var pool in pools?.AsArray() ?? [])
            {
                counts[pool!["name"]!.GetValue<string>()] = pool["count"]?.GetValue<int>() ?? 0;
            }
        }

        foreach (var pool in context.Plan.AllPools)
        {
            // A cluster that does not exist (first provision, or after `azd down`) has no count: Bicep starts at the minimum.
            context.Environment.Set(pool.Variables.CurrentCount, counts.TryGetValue(pool.Name, out var count) ? count.ToString(CultureInfo.InvariantCulture) : string.Empty);
        }

        if (counts.Count > 0)
        {
            context.Step("Node pools now: " + string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")) + ".");
        }
    }
}
