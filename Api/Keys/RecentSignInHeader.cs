// The web links this file (Web.csproj); there it lives in its own namespace, so that an assembly that references both
// (the tests) sees two distinct types.
#if WEB
namespace Web.Keys;
#else
namespace Api.Keys;
#endif

/// <summary>The header that carries the proof of a recent sign-in (the user's ID token) when a key is created: defined once.</summary>
public static class RecentSignInHeader
{
    public const string Name = "X-Id-Token";
}
