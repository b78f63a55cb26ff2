namespace Tests.Infrastructure;

/// <summary>Every wait has one of these: a hang fails with a message instead of stalling CI.</summary>
public static class TestTimeouts
{
    /// <summary>Building and starting the whole app (projects, Azurite) on a 2-core machine.</summary>
    public static readonly TimeSpan AppStart = TimeSpan.FromMinutes(4);

    /// <summary>A resource becoming healthy after the app started.</summary>
    public static readonly TimeSpan ResourceHealthy = TimeSpan.FromMinutes(3);

    /// <summary>One HTTP exchange with the running app.</summary>
    public static readonly TimeSpan Request = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan Short = TimeSpan.FromSeconds(15);
}
