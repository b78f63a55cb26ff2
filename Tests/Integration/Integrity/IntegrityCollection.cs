namespace Tests.Integration.Integrity;

/// <summary>The integrity tests share one API host, store and model double (starting them costs seconds).</summary>
[CollectionDefinition(Name)]
public sealed class IntegrityCollection : ICollectionFixture<IntegrityApi>
{
    public const string Name = "integrity";
}
