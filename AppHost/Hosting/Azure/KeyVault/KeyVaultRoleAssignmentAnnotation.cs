namespace Aspire.Hosting.ApplicationModel;

/// <summary>A role a workload holds on one key of a vault when deployed (its managed identity gets it).</summary>
public sealed class KeyVaultRoleAssignmentAnnotation(AzureKeyVaultKeyResource key, string roleName, string roleDefinitionId) : IResourceAnnotation
{
    public AzureKeyVaultKeyResource Key { get; } = key;

    public string RoleName { get; } = roleName;

    public string RoleDefinitionId { get; } = roleDefinitionId;
}
