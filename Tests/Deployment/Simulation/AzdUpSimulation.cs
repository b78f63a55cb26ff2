namespace Tests.Deployment.Simulation;

/// <summary><c>azd up</c> played once with the posix hooks (sh) and once with the Windows hooks (pwsh), shared by the tests that read it.</summary>
public sealed class AzdUpSimulation : IAsyncLifetime
{
    public AzdUpRun Sh { get; private set; } = null!;

    public AzdUpRun Pwsh { get; private set; } = null!;

    public IReadOnlyList<string> OutputNames { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        OutputNames = await AzdProvision.OutputNamesAsync();
        Sh = await AzdUpRun.PlayAsync(HookShell.Sh, OutputNames);
        Pwsh = await AzdUpRun.PlayAsync(HookShell.Pwsh, OutputNames);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public AzdUpRun In(HookShell shell) => shell == HookShell.Sh ? Sh : Pwsh;
}
