namespace Hooks.Preprovision;

/// <summary>
/// Before <c>azd provision</c>: the settings the deployment needs, checks that the subscription can hold it (one
/// message with every gap), the secrets generated once, and the Entra ID app registrations that Bicep cannot create.
/// Idempotent: a second run changes nothing that exists and makes no Graph call when the environment records it all.
/// </summary>
internal static class Preprovision
{
    public static IReadOnlyList<Action<HookContext>> Steps { get; } =
    [
        RequiredSettings.Check,
        Subscription.Select,
        NodePoolCounts.Record,
        Preflight.Check,
        GeneratedSecrets.Create,
        AppRegistrations.Ensure,
        SignInConsent.Check,
    ];
}
