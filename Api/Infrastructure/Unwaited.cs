namespace Api.Infrastructure;

/// <summary>Work nobody waits for any more (a check or a read whose answer no longer matters).</summary>
public static class Unwaited
{
    /// <summary>Its failure, if it fails, is seen here rather than left to the finalizer as an unobserved exception.</summary>
    public static void Observe(Task? task) =>
        task?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
