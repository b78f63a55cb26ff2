namespace Hooks.Preprovision;

/// <summary>
/// How the model images get built, decided before anything is provisioned. ACR Tasks (<c>az acr build</c>) are
/// refused with TasksOperationsNotAllowed on subscriptions paid by free credits (Azure-Samples/azure-search-openai-demo
/// issue 2220, MicrosoftLearning AZ-204 issue 855); there a local Docker engine builds and pushes them instead. With
/// neither, provisioning would succeed and the cluster would never get its models: stop now.
/// </summary>
internal static class ImageBuildPath
{
    /// <summary>The builder the postprovision hook uses: <c>acr</c> (ACR Tasks) or <c>docker</c> (local engine).</summary>
    public const string Variable = "MODEL_IMAGE_BUILDER";

    // Offers whose quotaId starts so are paid by free credits (Free Trial, Azure for Students, Azure Pass).
    private static readonly string[] FreeCreditOffers = ["FreeTrial_", "AzureForStudents_", "AzurePass_"];

    /// <summary>The builder to record once there is no gap (null when there are no model images, or no way to build them).</summary>
    public static string? Choose(HookContext context, string subscription, List<string> gaps)
    {
        if (context.Plan.Hooks.ModelImages.Count == 0)
        {
            return null;
        }

        string? builder = null;

        var details = context.Az.Json("rest", "--method", "get", "--url", $"https://management.azure.com/subscriptions/{subscription}?api-version=2022-12-01");
        var offer = details?["subscriptionPolicies"]?["quotaId"]?.GetValue<string>() ?? string.Empty;
        var tasksAllowed = !FreeCreditOffers.Any(o => offer.StartsWith(o, StringComparison.OrdinalIgnoreCase));
        if (tasksAllowed)
        {
            builder = "acr";
        }
        else if (DockerEngine.IsRunning(context))
        {
            context.Step($"  This subscription ({offer}) may not run ACR Tasks: the model images will be built with the local Docker engine.");
            builder = "docker";
        }
        else
        {
            gaps.Add($"This subscription's offer ({offer}) may not run ACR Tasks (`az acr build` is refused with TasksOperationsNotAllowed), and no Docker engine answers here (`docker info`). Start Docker (the model images are then built locally and pushed), or move to a pay-as-you-go subscription.");
        }

        if (context.Plan.Hooks.ExternalImages.Any(i => i.StartsWith("docker.io/", StringComparison.Ordinal)) && context.Value(Postprovision.RegistryImages.DockerHubUser) is null)
        {
            context.Step("  Note: Docker Hub images are imported anonymously, which Docker Hub rate-limits. If an import fails with 'toomanyrequests', set DOCKERHUB_USERNAME and DOCKERHUB_TOKEN (`azd env set ...`), or start a local Docker engine.");
        }

        return builder;
    }
}
