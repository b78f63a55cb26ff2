namespace Hooks.Preprovision;

/// <summary>
/// Before <c>azd provision</c>: the settings the deployment needs, checks that the subscription can hold it (one
/// message with every gap), the secrets generated once, and the Entra ID app registrations that Bicep cannot create.
/// Idempotent: a second run changes nothing that exists and makes no Graph call when the environment records it all.
/// </summary>
internal static class Preprovision
{
    public static IReadOnlyList<HookStep> Steps { get; } =
    [
        new("the settings", RequiredSettings.Check),
        new("the Azure CLI's subscription", Subscription.Select),
        new("the node pools' counts", NodePoolCounts.Record),
        new("the subscription's capacity", Preflight.Check),
        new("the generated secrets", GeneratedSecrets.Create),
        new("the app registrations", AppRegistrations.Ensure),
        new("sign-in consent", SignInConsent.Check),
    ];
}
