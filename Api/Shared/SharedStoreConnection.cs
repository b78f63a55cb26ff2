namespace Api.Shared;

/// <summary>
/// The shared store's connection string name (<c>ConnectionStrings:cache</c>), defined once: the API reads it, and the
/// AppHost (which links this file) names its Redis or Garnet resource by it.
/// </summary>
internal static class SharedStoreConnection
{
    public const string Name = "cache";
}
