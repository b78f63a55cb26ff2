using System.Security.Cryptography;

namespace Hooks.Preprovision;

/// <summary>Secrets the plan generates live in the azd environment, so a second provision writes the same value to Key Vault.</summary>
internal static class GeneratedSecrets
{
    public static void Create(HookContext context)
    {
        foreach (var secret in context.Plan.Secrets.Where(s => s.Generated && context.Environment[s.EnvironmentVariable] is null))
        {
            context.Step($"Generating the secret {secret.EnvironmentVariable}...");
            var value = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            Tools.SecretValues.Add(value);
            context.Environment.Set(secret.EnvironmentVariable, value);
        }
    }
}
