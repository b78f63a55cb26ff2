using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Logging;

namespace AppHost.Deployment;

internal static class AksPublishStep
{
    /// <summary>
    /// <c>--operation publish --step publish-aks</c> writes the deployment from the model into the repository (the
    /// AppHost's parent folder) unless <c>Publishing:OutputPath</c> says otherwise. The pipeline API is marked
    /// experimental (ASPIREPIPELINES001); it is how publish steps are added in Aspire 13.
    /// </summary>
    public static IDistributedApplicationBuilder AddAksPublishStep(this IDistributedApplicationBuilder builder)
    {
#pragma warning disable ASPIREPIPELINES001
        builder.Pipeline.AddStep("publish-aks", async context =>
        {
            var root = builder.Configuration["Publishing:OutputPath"] is { Length: > 0 } output
                ? Path.GetFullPath(output)
                : Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
            var changed = await AksDeployment.WriteAsync(context.Model, context.ExecutionContext, root, context.CancellationToken);
            context.Logger.LogInformation("AKS deployment written to {Root}: {Count} file(s) changed.", root, changed.Count);
        }, requiredBy: WellKnownPipelineSteps.Publish);
#pragma warning restore ASPIREPIPELINES001
        return builder;
    }
}
