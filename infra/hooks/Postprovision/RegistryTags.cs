using Hooks.Tools;

namespace Hooks.Postprovision;

/// <summary>
/// What the registry holds, read once per repository. The repositories come from one list call (<c>az acr repository
/// list</c>, the registry's catalog): a new registry has none, and asking for the tags of a repository it does not
/// know fails with a message and no code (<c>ERROR: Error: repository name not known to registry. Correlation ID:
/// ...</c>: azure-cli, <c>command_modules/acr/_docker_utils.py</c>, <c>request_data_from_registry</c> and
/// <c>parse_error_message</c>, passing on the registry's NAME_UNKNOWN), which no test of its text could tell from a
/// real failure. Tags are asked only of repositories the catalog lists; any failure there is a real one.
/// </summary>
internal sealed class RegistryTags(HookContext context, string registry)
{
    private readonly Dictionary<string, HashSet<string>> _tags = new(StringComparer.Ordinal);
    private HashSet<string>? _repositories;

    /// <summary>Whether the registry holds <paramref name="image"/> (<c>repository:tag</c>).</summary>
    public bool Has(string image)
    {
        var separator = image.LastIndexOf(':');
        var repository = image[..separator];
        _repositories ??= [.. (context.Az.Json("acr", "repository", "list", "--name", registry)?.AsArray() ?? []).Select(r => r!.GetValue<string>())];
        if (!_repositories.Contains(repository))
        {
            return false;
        }

        if (!_tags.TryGetValue(repository, out var tags))
        {
            tags = [.. (context.Az.Json("acr", "repository", "show-tags", "--name", registry, "--repository", repository)?.AsArray() ?? []).Select(t => t!.GetValue<string>())];
            _tags[repository] = tags;
        }

        return tags.Contains(image[(separator + 1)..]);
    }
}
