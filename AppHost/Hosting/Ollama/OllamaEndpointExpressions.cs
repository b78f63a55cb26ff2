namespace Aspire.Hosting.ApplicationModel;

/// <summary>The connection expressions every endpoint-backed Ollama resource (container, executable) shares.</summary>
internal static class OllamaEndpointExpressions
{
    public static ReferenceExpression Uri(EndpointReference endpoint) => ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.Url)}");

    public static ReferenceExpression ConnectionString(ReferenceExpression uri) => ReferenceExpression.Create($"Endpoint={uri}");

    public static IEnumerable<KeyValuePair<string, ReferenceExpression>> Properties(EndpointReference endpoint)
    {
        yield return new("Host", ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.Host)}"));
        yield return new("Port", ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.Port)}"));
        yield return new("Uri", Uri(endpoint));
    }
}
