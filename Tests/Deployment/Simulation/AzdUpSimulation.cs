using System.Text.Json.Nodes;

namespace Tests.Deployment.Simulation;

/// <summary><c>azd up</c> played once with the posix hooks (sh) and once with the Windows hooks (pwsh), shared by the tests that read it.</summary>
public sealed class AzdUpSimulation : IAsyncLifetime
{
    public AzdUpRun Sh { get; private set; } = null!;

    public AzdUpRun Pwsh { get; private set; } = null!;

    public JsonNode Template { get; private set; } = null!;

    public IReadOnlyList<string> OutputNames { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        Template = await AzdProvision.CompileAsync();
        OutputNames = AzdProvision.OutputNames(Template);
        Sh = await AzdUpRun.PlayAsync(HookShell.Sh, Template);
        Pwsh = await AzdUpRun.PlayAsync(HookShell.Pwsh, Template);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public AzdUpRun In(HookShell shell) => shell == HookShell.Sh ? Sh : Pwsh;

    /// <summary>A copy of the cloud as the sh run left it (both app registrations, the cluster, the vault, the registry), az on azd's subscription.</summary>
    public FakeAzure Provisioned(Action<JsonNode>? change = null)
    {
        var state = Sh.Azure.DeepClone();
        state["account"]!["selected"] = FakeWorld.Subscription;
        change?.Invoke(state);
        return new FakeAzure(state);
    }
}
