namespace Hooks;

/// <summary>
/// Points <c>az</c> at azd's subscription before anything else. <c>az</c> acts on the subscription it last selected
/// and ignores AZURE_SUBSCRIPTION_ID (azure-cli issue 17989); its Graph calls go to that subscription's tenant. Without
/// this, <c>az aks</c> and <c>az acr</c> act on another subscription and the app registrations can land in another
/// tenant.
/// </summary>
internal static class Subscription
{
    public static void Select(HookContext context)
    {
        var subscription = context.Environment.Require("AZURE_SUBSCRIPTION_ID", "azd sets it when you choose a subscription: run `azd provision` (or `azd env set AZURE_SUBSCRIPTION_ID <id>`).");
        var selected = context.Az.Run("account", "set", "--subscription", subscription);
        if (!selected.Succeeded)
        {
            throw new HookFailedException(
                $"The Azure CLI cannot use subscription {subscription}, which this azd environment deploys to. Sign the CLI in to the tenant that owns it: `az login --tenant <tenant id>` (azd and az keep separate sign-ins).\n{selected.Error.Trim()}");
        }

        var account = context.Az.Json("account", "show")!;
        var tenant = account["tenantId"]!.GetValue<string>();
        var expected = context.Environment["AZURE_TENANT_ID"];
        if (expected is not null && !string.Equals(expected, tenant, StringComparison.OrdinalIgnoreCase))
        {
            throw new HookFailedException(
                $"The Azure CLI is in tenant {tenant}, but this environment deploys to tenant {expected} (AZURE_TENANT_ID). App registrations would be created in the wrong tenant. Run `az login --tenant {expected}`.");
        }

        context.Step($"Azure CLI: subscription {subscription} (tenant {tenant}).");
    }
}
