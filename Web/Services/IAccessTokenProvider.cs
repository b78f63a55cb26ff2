namespace Web.Services;

/// <summary>The bearer token the web sends to the API on the user's behalf; <c>null</c> sends none (development user).</summary>
public interface IAccessTokenProvider
{
    Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken);

    /// <summary>The proof of the user's last interactive sign-in (their ID token), which creating a key needs; null when there is none.</summary>
    Task<string?> GetSignInProofAsync();
}

/// <summary>Development: the API's development user stands in for everyone, so no token is sent.</summary>
public sealed class NoAccessTokenProvider : IAccessTokenProvider
{
    public Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public Task<string?> GetSignInProofAsync() => Task.FromResult<string?>(null);
}
