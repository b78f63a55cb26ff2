using System.Globalization;
using System.Text.Json.Nodes;
using Hooks.Tools;

namespace Hooks.Preprovision;

/// <summary>
/// What a brand-new subscription lacks, found before Bicep runs and reported in one message with the command that
/// fixes each gap: resource providers not registered, VM sizes the region does not offer to the subscription, the
/// availability zones the zonal pools and ZRS storage use, vCPU quota per family and in total (every pool at its
/// maximum plus its upgrade surge), and a way to build the model images.
/// </summary>
internal static class Preflight
{
    public static void Check(HookContext context)
    {
        var subscription = context.Environment.Require("AZURE_SUBSCRIPTION_ID", "azd sets it.");
        var location = context.Environment.Require("AZURE_LOCATION", "Set the region: `azd env set AZURE_LOCATION westeurope`.");
        var pools = ResolvedPool.Resolve(context);
        context.Step($"Checking that subscription {subscription} can hold the deployment in {location}...");

        var gaps = new List<string>();
        Providers(context, gaps);
        var skus = Skus(context, location, pools, gaps);
        Quota(context, subscription, location, pools, skus, gaps);
        var builder = ImageBuildPath.Choose(context, subscription, gaps);

        if (gaps.Count > 0)
        {
            throw new HookFailedException(
                $"the subscription cannot hold this deployment yet ({gaps.Count} {(gaps.Count == 1 ? "gap" : "gaps")}). Fix each, then run `azd up` again (docs/deploy.md, \"A brand-new subscription\"):\n"
                + string.Join('\n', gaps.Select(g => "  - " + g)));
        }

        // Nothing is written to the environment until every check passed.
        if (builder is not null)
        {
            context.Environment.Set(ImageBuildPath.Variable, builder);
        }

        context.Step("  providers, VM sizes, zones and quota: enough.");
    }

    private static void Providers(HookContext context, List<string> gaps)
    {
        var registered = (context.Az.Json("provider", "list", "--query", "[].{namespace:namespace, registrationState:registrationState}")?.AsArray() ?? [])
            .ToDictionary(p => p!["namespace"]!.GetValue<string>(), p => p!["registrationState"]?.GetValue<string>() ?? "NotRegistered", StringComparer.OrdinalIgnoreCase);
        foreach (var provider in context.Plan.ResourceProviders.Where(p => p.OnlyWhen is null || bool.TryParse(context.Environment[p.OnlyWhen], out var on) && on))
        {
            var state = registered.GetValueOrDefault(provider.Namespace, "NotRegistered");
            if (state != "Registered")
            {
                gaps.Add($"Resource provider {provider.Namespace} is {state}: `az provider register --namespace {provider.Namespace} --wait`{(provider.OnlyWhen is null ? string.Empty : $" (needed because {provider.OnlyWhen} is true)")}.");
            }
        }
    }

    private static Dictionary<string, JsonNode> Skus(HookContext context, string location, IReadOnlyList<ResolvedPool> pools, List<string> gaps)
    {
        var sizes = pools.Select(p => p.VmSize).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var query = "[?" + string.Join(" || ", sizes.Select(s => $"name=='{s}'")) + "]";
        // --all lists the sizes the subscription may not use too, with their restrictions: otherwise they are just missing.
        var skus = (context.Az.Json("vm", "list-skus", "--location", location, "--resource-type", "virtualMachines", "--all", "--query", query)?.AsArray() ?? [])
            .Select(s => s!).GroupBy(s => s["name"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);

        foreach (var pool in pools)
        {
            if (!skus.TryGetValue(pool.VmSize, out var sku))
            {
                gaps.Add($"Pool {pool.Name}: VM size {pool.VmSize} does not exist in {location}. Choose another size or region (docs/deploy.md, \"Choosing the GPU and the model\").");
                continue;
            }

            var restrictions = sku["restrictions"]?.AsArray().Select(r => r!).ToList() ?? [];
            if (restrictions.Any(r => r["type"]?.GetValue<string>() == "Location"))
            {
                gaps.Add($"Pool {pool.Name}: VM size {pool.VmSize} is not offered to this subscription in {location} (NotAvailableForSubscription). Choose another region, or ask Azure support to enable the size.");
                continue;
            }

            if (pool.Zones.Count > 0)
            {
                var offered = sku["locationInfo"]?.AsArray().SelectMany(l => l!["zones"]?.AsArray().Select(z => z!.GetValue<string>()) ?? []).ToHashSet(StringComparer.Ordinal) ?? [];
                offered.ExceptWith(restrictions.Where(r => r["type"]?.GetValue<string>() == "Zone").SelectMany(r => r["restrictionInfo"]?["zones"]?.AsArray().Select(z => z!.GetValue<string>()) ?? []));
                var missing = pool.Zones.Where(z => !offered.Contains(z)).ToList();
                if (missing.Count > 0)
                {
                    gaps.Add($"Pool {pool.Name}: {location} offers {pool.VmSize} in zones [{string.Join(", ", offered.Order(StringComparer.Ordinal))}], not in zone(s) {string.Join(", ", missing)}. The system pool and the zone-redundant (ZRS) storage need a region with three availability zones: choose one (`azd env set AZURE_LOCATION <region>`).");
                }
            }
        }

        return skus;
    }

    private static void Quota(HookContext context, string subscription, string location, IReadOnlyList<ResolvedPool> pools, Dictionary<string, JsonNode> skus, List<string> gaps)
    {
        var usage = (context.Az.Json("vm", "list-usage", "--location", location)?.AsArray() ?? [])
            .Select(u => u!).ToDictionary(u => u["name"]!["value"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);

        // vCPUs still to be added to reach every pool's peak: nodes a pool already has are already in the usage.
        var needs = new Dictionary<string, (int VCpus, List<string> Pools)>(StringComparer.OrdinalIgnoreCase);
        void Need(string quota, int vcpus, string pool)
        {
            var (total, forPools) = needs.TryGetValue(quota, out var existing) ? existing : (0, new List<string>());
            forPools.Add(pool);
            needs[quota] = (total + vcpus, forPools);
        }

        foreach (var pool in pools)
        {
            if (!skus.TryGetValue(pool.VmSize, out var sku))
            {
                continue;
            }

            var perNode = int.Parse(sku["capabilities"]!.AsArray().First(c => c!["name"]!.GetValue<string>() == "vCPUs")!["value"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            var vcpus = perNode * Math.Max(0, pool.PeakNodes - pool.CurrentCount);
            var label = $"{pool.Name} ({pool.PeakNodes} x {pool.VmSize}{(pool.Spot ? ", spot" : string.Empty)})";
            if (pool.Spot)
            {
                // Spot VMs count against the regional low-priority quota only.
                Need("lowPriorityCores", vcpus, label);
            }
            else
            {
                Need(sku["family"]!.GetValue<string>(), vcpus, label);
                Need("cores", vcpus, label);
            }
        }

        foreach (var (quota, (vcpus, forPools)) in needs)
        {
            // The CLI prints both counts as strings (Tools/JsonNumbers.cs).
            var current = usage.TryGetValue(quota, out var entry) ? JsonNumbers.Read(entry["currentValue"], $"The usage of '{quota}'") : 0;
            var limit = entry is null ? 0 : JsonNumbers.Read(entry["limit"], $"The limit of '{quota}'");
            var free = limit - current;
            if (vcpus > free)
            {
                var name = entry?["name"]?["localizedValue"]?.GetValue<string>() ?? quota;
                gaps.Add($"Quota '{name}' in {location}: {vcpus} more vCPUs needed for {string.Join(", ", forPools)} (upgrade surge included), {free} free of {limit}. Request {current + vcpus}: `az quota update --resource-name {quota} --scope /subscriptions/{subscription}/providers/Microsoft.Compute/locations/{location} --limit-object value={current + vcpus} --resource-type dedicated` (or the portal: Quotas, Compute). It can take a day.");
            }
        }
    }
}
