namespace Web.Services;

/// <summary>How the web calls the API as the signed-in user.</summary>
public interface IAccessTokenProvider
{
    Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken);

    /// <summary>The proof of the user's last interactive sign-in (their ID token), which creating a key needs; null when there is none.</summary>
    Task<string?> GetSignInProofAsync();

    /// <summary>Makes a request to the API the signed-in user's: by default, with their token as a bearer.</summary>
    async Task AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await GetAccessTokenAsync(cancellationToken) is { } token)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
    }
}
