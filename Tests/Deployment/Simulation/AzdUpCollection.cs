namespace Tests.Deployment.Simulation;

/// <summary>The deployment tests that read one played <c>azd up</c> share it: playing it runs the hooks in two shells.</summary>
[CollectionDefinition(Name)]
public sealed class AzdUpCollection : ICollectionFixture<AzdUpSimulation>
{
    public const string Name = "azd up";
}
