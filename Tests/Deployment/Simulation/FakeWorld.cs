using System.Text.Json.Nodes;

namespace Tests.Deployment.Simulation;

/// <summary>
/// The fake cloud a scenario starts from (written as the fakes' state, Tests/Deployment/Fakes/lib/state.mjs): azd's
/// subscription and another one that <c>az</c> selected last, in two tenants; the subscription's offer, registered
/// providers, vCPU quota and the VM sizes its region offers; the principal signed in and its Graph rights; a local
/// Docker engine or not; Docker Hub's patience with anonymous pulls. <see cref="Ready"/> is a subscription that can
/// hold the deployment; <see cref="BrandNew"/> one fresh from sign-up.
/// </summary>
public sealed record FakeWorld
{
    public const string Tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    public const string Subscription = "3f2c1a9e-0000-4000-8000-0000000000aa";
    public const string OtherTenant = "11111111-2222-4333-8444-555555555555";
    public const string OtherSubscription = "9e8d7c6b-0000-4000-8000-0000000000cc";
    public const string Region = "westeurope";

    public string QuotaId { get; init; } = "PayAsYouGo_2014-09-01";

    public IReadOnlyList<string> UnregisteredProviders { get; init; } = [];

    /// <summary>vCPU quota (limit) per usage name in the region; usage starts at zero.</summary>
    public IReadOnlyDictionary<string, int> Quota { get; init; } = new Dictionary<string, int>
    {
        ["cores"] = 100,
        ["standardDDSv5Family"] = 100,
        ["standardNCASv3_T4Family"] = 48,
        ["standardNCADSA100v4Family"] = 96,
        ["lowPriorityCores"] = 100,
    };

    /// <summary>VM sizes the region offers: family, vCPUs, zones, and whether this subscription may use them.</summary>
    public IReadOnlyList<FakeVmSize> VmSizes { get; init; } =
    [
        new("Standard_D4ds_v5", "standardDDSv5Family", 4, ["1", "2", "3"]),
        new("Standard_NC4as_T4_v3", "standardNCASv3_T4Family", 4, ["1", "2", "3"]),
        new("Standard_NC8as_T4_v3", "standardNCASv3_T4Family", 8, ["1", "2", "3"]),
        new("Standard_NC24ads_A100_v4", "standardNCADSA100v4Family", 24, ["1", "2", "3"]),
    ];

    /// <summary>"full", "read" or "none": what Microsoft Graph lets the signed-in principal do.</summary>
    public string GraphRights { get; init; } = "full";

    public bool TenantAdmin { get; init; }

    /// <summary>The public address the machine that deploys reaches Azure from (documentation range, RFC 5737).</summary>
    public string MachineAddress { get; init; } = "198.51.100.23";

    /// <summary>The tenant lets users consent to apps (the "legacy" user consent policy) or not.</summary>
    public bool UserConsent { get; init; } = true;

    public bool DockerEngine { get; init; }

    public int DockerHubAnonymousPulls { get; init; } = 100;

    /// <summary>The subscription az selected before the hooks ran: not azd's, as on a machine that uses several.</summary>
    public string SelectedSubscription { get; init; } = OtherSubscription;

    public static FakeWorld Ready { get; } = new();

    /// <summary>A subscription fresh from sign-up: few providers registered, the default 10 regional vCPUs, no GPU quota.</summary>
    public static FakeWorld BrandNew { get; } = new()
    {
        UnregisteredProviders = ["Microsoft.ContainerService", "Microsoft.Monitor", "Microsoft.AlertsManagement", "Microsoft.OperationsManagement", "Microsoft.Dashboard"],
        Quota = new Dictionary<string, int> { ["cores"] = 10, ["standardDDSv5Family"] = 10, ["standardNCASv3_T4Family"] = 0, ["lowPriorityCores"] = 3 },
    };

    public JsonObject ToState(IReadOnlyList<string> providers, IReadOnlyDictionary<string, string> azdEnvironment, string environmentName)
    {
        JsonObject Subscription(string tenant, string name) => new()
        {
            ["tenantId"] = tenant,
            ["name"] = name,
            ["quotaId"] = QuotaId,
            ["providers"] = new JsonObject([.. providers.Select(p => KeyValuePair.Create(p, (JsonNode?)(UnregisteredProviders.Contains(p) ? "NotRegistered" : "Registered")))]),
            ["usage"] = new JsonObject
            {
                [Region] = new JsonObject([.. Quota.Select(q => KeyValuePair.Create(q.Key, (JsonNode?)new JsonObject { ["current"] = 0, ["limit"] = q.Value }))]),
            },
            ["resourceGroups"] = new JsonObject(),
        };

        return new JsonObject
        {
            ["tenants"] = new JsonObject
            {
                [Tenant] = new JsonObject
                {
                    ["verifiedDomains"] = new JsonArray("contoso.com"),
                    ["authorizationPolicy"] = new JsonObject
                    {
                        ["defaultUserRolePermissions"] = new JsonObject
                        {
                            ["permissionGrantPoliciesAssigned"] = UserConsent ? new JsonArray("ManagePermissionGrantsForSelf.microsoft-user-default-legacy") : new JsonArray(),
                        },
                    },
                },
                [OtherTenant] = new JsonObject(),
            },
            ["subscriptions"] = new JsonObject
            {
                [FakeWorld.Subscription] = Subscription(Tenant, "llmchat"),
                [OtherSubscription] = Subscription(OtherTenant, "another team's"),
            },
            ["account"] = new JsonObject
            {
                ["selected"] = SelectedSubscription,
                ["visible"] = new JsonArray(FakeWorld.Subscription, OtherSubscription),
                ["principal"] = new JsonObject { ["objectId"] = "7b6a5c4d-0000-4000-8000-0000000000bb", ["type"] = "User", ["graph"] = GraphRights, ["admin"] = TenantAdmin },
                // The public address the machine's calls to Azure come from (A18: the stores' firewalls see it).
                ["address"] = MachineAddress,
            },
            ["skus"] = new JsonObject
            {
                [Region] = new JsonArray([.. VmSizes.Select(v => (JsonNode)v.ToJson(Region))]),
            },
            ["docker"] = new JsonObject { ["engine"] = DockerEngine, ["images"] = new JsonArray() },
            ["dockerHub"] = new JsonObject { ["anonymousPulls"] = DockerHubAnonymousPulls },
            ["graphReplicationLag"] = 1,
            ["azd"] = new JsonObject
            {
                ["environments"] = new JsonObject { [environmentName] = new JsonObject([.. azdEnvironment.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)v.Value))]) },
                ["selected"] = environmentName,
            },
        };
    }
}

/// <summary>A VM size as <c>az vm list-skus</c> describes it; <paramref name="Restricted"/> when the subscription may not use it there.</summary>
public sealed record FakeVmSize(string Name, string Family, int VCpus, IReadOnlyList<string> Zones, bool Restricted = false)
{
    public JsonObject ToJson(string location) => new()
    {
        ["name"] = Name,
        ["family"] = Family,
        ["locations"] = new JsonArray(location),
        ["locationInfo"] = new JsonArray(new JsonObject { ["location"] = location, ["zones"] = new JsonArray([.. Zones.Select(z => (JsonNode)z)]) }),
        ["capabilities"] = new JsonArray(new JsonObject { ["name"] = "vCPUs", ["value"] = VCpus.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
        // REST's ResourceSkuRestrictions (learn.microsoft.com rest/api/compute/resource-skus/list).
        ["restrictions"] = Restricted
            ? new JsonArray(new JsonObject
            {
                ["type"] = "Location",
                ["values"] = new JsonArray(location),
                ["restrictionInfo"] = new JsonObject { ["locations"] = new JsonArray(location), ["zones"] = null },
                ["reasonCode"] = "NotAvailableForSubscription",
            })
            : new JsonArray(),
    };
}
