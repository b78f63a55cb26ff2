using System.Text.RegularExpressions;

namespace Hooks.Preprovision;

/// <summary>The values a user must give before provisioning: the public host name and any secret the plan requires.</summary>
internal static partial class RequiredSettings
{
    public static void Check(HookContext context)
    {
        var host = context.Environment.Require("WEB_HOSTNAME", "Set the public host name: `azd env set WEB_HOSTNAME chat.example.com`.");
        // The Gateway listener and HTTPRoutes take it as a hostname: a lowercase DNS name, not an IP address.
        if (!HostName().IsMatch(host) || System.Net.IPAddress.TryParse(host, out _))
        {
            throw new HookFailedException($"WEB_HOSTNAME '{host}' is not a DNS host name (lowercase letters, digits, '-' and '.', such as chat.example.com).");
        }

        AppRegistrations.AssignmentRequiredSetting(context.Environment);
        StoresNetwork.Check(context);

        var missing = context.Plan.Secrets.Where(s => !s.Generated && context.Environment[s.EnvironmentVariable] is null).ToList();
        if (missing.Count > 0)
        {
            throw new HookFailedException(string.Join('\n', missing.Select(s => $"Set the secret {s.EnvironmentVariable}: `azd env set {s.EnvironmentVariable} <value>`.")));
        }
    }

    [GeneratedRegex("^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$")]
    private static partial Regex HostName();
}
