using System.Xml.Linq;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Web.Security;

/// <summary>
/// The Data Protection key ring in one blob, so every web replica reads and writes the same keys (sign-in cookies and
/// antiforgery tokens survive a request landing on another pod, and a restart). Writes are read-modify-write guarded
/// by the blob's ETag; a concurrent writer makes the write retry. The same job as
/// Azure.Extensions.AspNetCore.DataProtection.Blobs, which this registry does not serve.
/// </summary>
public sealed class BlobXmlRepository(BlobClient blob) : IXmlRepository
{
    // Each round of a race has one winner; keys are written rarely (a new key every 90 days, and at first start), so
    // this many jittered attempts outlasts any realistic number of replicas starting at once.
    private const int MaxAttempts = 20;

    public IReadOnlyCollection<XElement> GetAllElements() => Read().Document.Root?.Elements().ToList() ?? [];

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        for (var attempt = 1; ; attempt++)
        {
            var (document, etag) = Read();
            document.Root!.Add(element);
            using var content = new MemoryStream();
            document.Save(content);
            content.Position = 0;
            var conditions = etag is { } match ? new BlobRequestConditions { IfMatch = match } : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                blob.Upload(content, new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/xml" } });
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another replica wrote first: read its version and add ours to it, after a short random pause.
                Thread.Sleep(Random.Shared.Next(10, 100));
            }
        }
    }

    private (XDocument Document, ETag? ETag) Read()
    {
        try
        {
            var download = blob.DownloadContent();
            // Load from the stream, not a string: the XML declaration's encoding (and any byte-order mark) is honoured.
            using var stream = download.Value.Content.ToStream();
            return (XDocument.Load(stream), download.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (new XDocument(new XElement("repository")), null);
        }
    }
}
