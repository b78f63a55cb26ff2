namespace Tests.TestDoubles.Oidc;

/// <summary>
/// An app registration's <c>groupMembershipClaims</c>: which groups Entra puts in its tokens (Graph docs, application
/// resource type; learn.microsoft.com, "Configure group claims for applications").
/// </summary>
public enum GroupMembershipClaims
{
    /// <summary>No groups claim: what a registration has unless someone asks for groups.</summary>
    None,

    /// <summary>The user's security groups (and directory roles).</summary>
    SecurityGroup,

    /// <summary>Every group, distribution groups included.</summary>
    All,

    /// <summary>Only the user's groups that are assigned to the application's enterprise app.</summary>
    ApplicationGroup,
}
