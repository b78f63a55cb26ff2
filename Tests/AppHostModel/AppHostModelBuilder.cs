using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Tests.Infrastructure;

namespace Tests.AppHostModel;

/// <summary>Builds the AppHost's model with the given settings, without starting any process.</summary>
internal static class AppHostModelBuilder
{
    public static async Task<IDistributedApplicationTestingBuilder> CreateAsync(params string[] args)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [.. args, "--Storage:DataDirectory="], TestContext.Current.CancellationToken).WaitAsync(TestTimeouts.AppStart, TestContext.Current.CancellationToken);
        return builder;
    }

    public static T Single<T>(this IDistributedApplicationTestingBuilder builder, string name) where T : IResource =>
        builder.Resources.OfType<T>().Single(r => r.Name == name);

    /// <summary>Runs the resource's environment callbacks as the orchestrator would, without resolving values.</summary>
    public static async Task<Dictionary<string, object>> EnvironmentAsync(this IDistributedApplicationTestingBuilder builder, IResource resource)
    {
        var variables = new Dictionary<string, object>(StringComparer.Ordinal);
        var context = new EnvironmentCallbackContext(builder.ExecutionContext, resource, variables, TestContext.Current.CancellationToken);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return variables;
    }

    /// <summary>The container runtime arguments the resource's callbacks add.</summary>
    public static async Task<IReadOnlyList<string>> ContainerRuntimeArgsAsync(this IResource resource)
    {
        var args = new List<object>();
        var context = new ContainerRuntimeArgsCallbackContext(args, TestContext.Current.CancellationToken);
        foreach (var callback in resource.Annotations.OfType<ContainerRuntimeArgsCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return [.. args.Select(a => a.ToString() ?? string.Empty)];
    }

    /// <summary>The literal arguments the resource's callbacks add (references are left out).</summary>
    public static async Task<IReadOnlyList<string>> ArgumentsAsync(this IResource resource)
    {
        var values = new List<object>();
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(new CommandLineArgsCallbackContext(values, resource, TestContext.Current.CancellationToken));
        }

        return [.. values.OfType<string>()];
    }

    public static IReadOnlyList<string> WaitsFor(this IResource resource) =>
        [.. resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name)];
}
