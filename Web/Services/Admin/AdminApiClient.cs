namespace Web.Services.Admin;

/// <summary>
/// The API's admin routes (<c>/api/admin</c>), called as the signed-in user through the chat API's client: the API
/// decides who may read and who may change (403 <c>admin_role_required</c> otherwise), and records every call.
/// </summary>
public sealed class AdminApiClient(ChatApiClient api)
{
    public Task<UsageViewDto> GetUsageAsync(DateOnly from, DateOnly to, string by, int? top = null, CancellationToken cancellationToken = default) =>
        api.SendAsync<UsageViewDto>(HttpMethod.Get, $"/api/admin/usage?from={Day(from)}&to={Day(to)}&by={Uri.EscapeDataString(by)}{(top is { } n ? $"&top={n}" : string.Empty)}", null, cancellationToken);

    /// <summary>Every model now (loaded or cold, slots in use, queue), on every replica.</summary>
    public Task<ModelsDto> GetQueuesAsync(CancellationToken cancellationToken = default) =>
        api.SendAsync<ModelsDto>(HttpMethod.Get, "/api/admin/queue", null, cancellationToken);

    public Task<IReadOnlyList<QuotaDto>> ListQuotasAsync(CancellationToken cancellationToken = default) =>
        api.SendAsync<IReadOnlyList<QuotaDto>>(HttpMethod.Get, "/api/admin/quotas", null, cancellationToken);

    /// <summary>Sets a quota: <paramref name="etag"/> is the version read (null for a new one); 409 when another change came first.</summary>
    public async Task<QuotaDto> SetQuotaAsync(string scope, string id, QuotaChange change, string? etag, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Quota(scope, id)) { Content = System.Net.Http.Json.JsonContent.Create(change, options: ChatApiClient.Json) };
        if (etag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", etag);
        }

        using var response = await api.SendRequestAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await ChatApiClient.EnsureSuccessAsync(response, cancellationToken);
        return await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<QuotaDto>(response.Content, ChatApiClient.Json, cancellationToken)
            ?? throw new ChatApiException(ChatApiError.From(500, null));
    }

    public async Task RemoveQuotaAsync(string scope, string id, string etag, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, Quota(scope, id));
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        using var response = await api.SendRequestAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await ChatApiClient.EnsureSuccessAsync(response, cancellationToken);
    }

    public Task<IReadOnlyList<ApiKeyDto>> ListUserKeysAsync(string userId, CancellationToken cancellationToken = default) =>
        api.SendAsync<IReadOnlyList<ApiKeyDto>>(HttpMethod.Get, $"/api/admin/users/{Uri.EscapeDataString(userId)}/keys", null, cancellationToken);

    public async Task RevokeUserKeyAsync(string userId, string keyId, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/admin/users/{Uri.EscapeDataString(userId)}/keys/{Uri.EscapeDataString(keyId)}");
        using var response = await api.SendRequestAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await ChatApiClient.EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>A month's usage as the API writes it (CSV); the caller streams it on, then disposes the response.</summary>
    public async Task<HttpResponseMessage> ExportUsageAsync(string month, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/admin/usage/export?month={Uri.EscapeDataString(month)}");
        var response = await api.SendRequestAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        try
        {
            await ChatApiClient.EnsureSuccessAsync(response, cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static string Quota(string scope, string id) => $"/api/admin/quotas/{Uri.EscapeDataString(scope)}/{Uri.EscapeDataString(id)}";

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
