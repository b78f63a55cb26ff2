using System.Net;

namespace CommunityToolkit.Aspire.OllamaSharp;

/// <summary>
/// Ties a streamed response to the token bound with <see cref="OllamaStreamCancellation.Bind"/>. The token this
/// handler is given is HttpClient's own, linked to the caller's only until the headers arrive; so the caller binds its
/// token for the flow instead. When it fires, the response is disposed: a read waiting on a silent server (a stalled
/// model) fails at once and the connection closes, which tells Ollama to stop generating.
/// </summary>
internal sealed class CancellationBoundResponseHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var bound = OllamaStreamCancellation.Current;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!bound.CanBeCanceled)
        {
            return response;
        }

        var registration = bound.Register(static state => ((HttpResponseMessage)state!).Dispose(), response);
        response.Content = new RegistrationOwningContent(response.Content, registration);
        return response;
    }

    /// <summary>The original content, which also releases the cancellation registration when disposed.</summary>
    private sealed class RegistrationOwningContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly CancellationTokenRegistration _registration;

        public RegistrationOwningContent(HttpContent inner, CancellationTokenRegistration registration)
        {
            _inner = inner;
            _registration = registration;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => _inner.CopyToAsync(stream, context);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _inner.CopyToAsync(stream, context, cancellationToken);

        protected override Task<Stream> CreateContentReadStreamAsync() => _inner.ReadAsStreamAsync();

        protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => _inner.ReadAsStreamAsync(cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // Unregister, not Dispose: this may run inside the registration's own callback.
                _registration.Unregister();
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
