namespace Api.Keys;

/// <summary>A reply ended because the API key its request was signed in with was revoked.</summary>
public sealed class ApiKeyRevokedException() : Exception("The API key this request was signed in with was revoked.");
