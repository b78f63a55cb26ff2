using Api.Auth;
using Api.Llm;

namespace Api.ModelCalls;

/// <summary>
/// Who may use a model: everyone, when it names no role and no group; otherwise a caller holding one of its Entra ID
/// app roles or in one of its groups. The one rule the web's picker, <c>/v1/models</c>, <c>/api/models</c> and every
/// route that calls a model apply; to a caller outside it, the model does not exist (404 <c>model_not_found</c>). An admin's quota may narrow it further (its allowed models, per user or group).
/// </summary>
public sealed class ModelAccess(LlmBackends backends, Limits.QuotaBook quotas)
{
    public static bool Allows(ModelOptions model, CurrentUser user)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(user);
        return model.Everyone
            || model.AllowedRoles.Any(role => user.Roles.Contains(role, StringComparer.Ordinal))
            || model.AllowedGroups.Any(group => user.Groups.Contains(group, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>The models <paramref name="user"/> may use, in catalogue order (the default first).</summary>
    public IEnumerable<LlmBackend> Visible(CurrentUser user)
    {
        var limits = quotas.For(user.Id, user.Groups);
        return backends.All.Where(b => Allows(b.Options, user) && limits.AllowsModel(b.Name)).OrderByDescending(b => b == backends.Default).ThenBy(b => b.Name, StringComparer.Ordinal);
    }

    /// <summary>The model of that id if <paramref name="user"/> may use it; null as if it did not exist otherwise.</summary>
    public LlmBackend? Find(string name, CurrentUser user) =>
        backends.Find(name) is { } backend && Allows(backend.Options, user) && quotas.For(user.Id, user.Groups).AllowsModel(backend.Name) ? backend : null;
}
