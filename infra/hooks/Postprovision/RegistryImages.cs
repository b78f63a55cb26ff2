using Hooks.Tools;

namespace Hooks.Postprovision;

/// <summary>
/// Every image the cluster runs is in the deployment's registry, so no pod pulls anonymously from a public registry:
/// third-party images are imported (<c>az acr import</c>), model images built once per model and Ollama release.
/// Docker Hub rate-limits anonymous pulls, and Azure's import servers share their addresses: with DOCKERHUB_USERNAME
/// and DOCKERHUB_TOKEN the import authenticates; without, a refused import falls back to a local Docker engine. Model
/// images are built by ACR Tasks, or by the local engine where the subscription may not run them (MODEL_IMAGE_BUILDER,
/// chosen by the preprovision hook). With neither path the hook stops and says which to set up.
/// </summary>
internal static class RegistryImages
{
    public const string DockerHubUser = "DOCKERHUB_USERNAME";
    public const string DockerHubToken = "DOCKERHUB_TOKEN";

    public static void Ensure(HookContext context)
    {
        var registry = context.Environment.Require("AZURE_CONTAINER_REGISTRY_NAME", "A Bicep output: run `azd provision`.");
        var endpoint = context.Environment.Require("AZURE_CONTAINER_REGISTRY_ENDPOINT", "A Bicep output: run `azd provision`.");
        var images = context.Plan.Hooks;
        var tags = new RegistryTags(context, registry);

        context.Step("Third-party images, imported into the registry...");
        foreach (var source in images.ExternalImages)
        {
            var path = source[(source.IndexOf('/', StringComparison.Ordinal) + 1)..];
            if (!tags.Has(path))
            {
                Import(context, registry, endpoint, source, path);
            }
        }

        context.Step("Model images (the models pulled once, at build time)...");
        foreach (var model in images.ModelImages)
        {
            if (!tags.Has(model.Image))
            {
                Build(context, registry, endpoint, model);
            }
        }
    }

    private static void Import(HookContext context, string registry, string endpoint, string source, string path)
    {
        var user = context.Value(DockerHubUser);
        var token = context.Value(DockerHubToken);
        var fromDockerHub = source.StartsWith("docker.io/", StringComparison.Ordinal);
        string[] import = ["acr", "import", "--name", registry, "--source", source, "--image", path];
        // The token goes on standard input (`--password @-`), never in the process's arguments.
        var result = fromDockerHub && user is not null && token is not null
            ? context.Az.RunWithInput(token, [.. import, "--username", user, "--password", "@-"])
            : context.Az.Run(import);
        if (result.Succeeded)
        {
            return;
        }

        var rateLimited = result.Error.Contains("toomanyrequests", StringComparison.OrdinalIgnoreCase) || result.Error.Contains("rate limit", StringComparison.OrdinalIgnoreCase);
        if (!rateLimited)
        {
            result.OrThrow();
        }

        if (!DockerEngine.IsRunning(context))
        {
            throw new HookFailedException(
                $"Docker Hub refused to serve {source} (pull rate limit) and no local Docker engine answers. Either set a Docker Hub account (a free one will do): `azd env set {DockerHubUser} <user>` and `azd env set {DockerHubToken} <access token>`, or start Docker; then run `azd provision` again.\n{result.Error.Trim()}");
        }

        context.Step($"  Docker Hub refused the registry's import of {source}: copying it through the local Docker engine...");
        Login(context, registry);
        if (fromDockerHub && user is not null && token is not null)
        {
            CommandLine.Run("docker", ["login", "docker.io", "--username", user, "--password-stdin"], token).OrThrow();
        }

        var target = $"{endpoint}/{path}";
        context.Docker("pull", source).OrThrow();
        context.Docker("tag", source, target).OrThrow();
        context.Docker("push", target).OrThrow();
    }

    private static void Build(HookContext context, string registry, string endpoint, ModelImageEntry model)
    {
        var buildArguments = new[]
        {
            "--build-arg", $"MODEL={model.Model}",
            "--build-arg", $"OLLAMA_IMAGE={endpoint}/{context.Plan.Hooks.OllamaImage}",
            "--build-arg", $"BASE_IMAGE={endpoint}/{context.Plan.Hooks.BusyboxImage}",
        };
        var models = Path.Combine("infra", "models");
        if (context.Environment[Preprovision.ImageBuildPath.Variable] != "docker")
        {
            var result = context.Az.Run(["acr", "build", "--registry", registry, "--image", model.Image, .. buildArguments, models]);
            if (result.Succeeded)
            {
                return;
            }

            if (!result.Error.Contains("TasksOperationsNotAllowed", StringComparison.Ordinal) || !DockerEngine.IsRunning(context))
            {
                throw new HookFailedException(result.Error.Contains("TasksOperationsNotAllowed", StringComparison.Ordinal)
                    ? $"The registry refuses ACR Tasks on this subscription (TasksOperationsNotAllowed) and no local Docker engine answers: start Docker and run `azd provision` again.\n{result.Error.Trim()}"
                    : $"`{result.Command}` failed:\n{result.Error.Trim()}");
            }

            context.Step("  The registry refuses ACR Tasks here: building with the local Docker engine...");
        }

        Login(context, registry);
        var target = $"{endpoint}/{model.Image}";
        context.Docker(["build", "--tag", target, .. buildArguments, models]).OrThrow();
        context.Docker("push", target).OrThrow();
    }

    private static void Login(HookContext context, string registry) => context.Az.Run("acr", "login", "--name", registry).OrThrow();
}
