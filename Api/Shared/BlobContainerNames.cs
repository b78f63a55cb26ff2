namespace Api.Shared;

/// <summary>
/// Blob containers the API writes, named once: the API reads them here, and the AppHost (which links this file)
/// declares them, with their rights and retention, by the same names.
/// </summary>
public static class BlobContainerNames
{
    /// <summary>The admin audit trail's write-once copy (Api/Admin/AuditBlobLog.cs).</summary>
    public const string Audit = "audit";
}
