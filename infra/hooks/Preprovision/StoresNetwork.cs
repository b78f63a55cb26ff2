using System.Net;
using System.Net.Sockets;
using Hooks.Postprovision;

namespace Hooks.Preprovision;

/// <summary>
/// Who may reach Key Vault and Storage over the network (docs/deploy.md, the settings): STORES_NETWORK_ACCESS public
/// or restricted, and with restricted the addresses of STORES_ALLOWED_IP_RANGES. Checked before anything is created:
/// what the stores refuse (private ranges, a /31), and a restricted vault the postprovision hook could not create the
/// self-signed certificate in.
/// </summary>
internal static class StoresNetwork
{
    public const string AccessVariable = "STORES_NETWORK_ACCESS";
    public const string RangesVariable = "STORES_ALLOWED_IP_RANGES";
    private const string Public = "public";
    private const string Restricted = "restricted";

    // Private networks (RFC 1918), which a storage account's IP rules refuse ("IP address ranges reserved for private
    // networks aren't allowed in IP rules", learn.microsoft.com azure/storage/common/storage-network-security), and
    // loopback and link-local, which no caller of Azure comes from.
    private static readonly (IPAddress Network, int Bits)[] NotPublic =
    [
        (IPAddress.Parse("10.0.0.0"), 8), (IPAddress.Parse("172.16.0.0"), 12), (IPAddress.Parse("192.168.0.0"), 16),
        (IPAddress.Parse("127.0.0.0"), 8), (IPAddress.Parse("169.254.0.0"), 16),
    ];

    public static void Check(HookContext context)
    {
        var environment = context.Environment;
        var access = environment[AccessVariable] ?? Public;
        if (access is not (Public or Restricted))
        {
            throw new HookFailedException($"{AccessVariable} '{access}' is neither {Public} (the default) nor {Restricted}.");
        }

        var ranges = (environment[RangesVariable] ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var refused = ranges.Select(r => (Range: r, Reason: Refusal(r))).Where(r => r.Reason is not null).ToList();
        if (refused.Count > 0)
        {
            throw new HookFailedException($"{RangesVariable} holds what Key Vault and Storage refuse:\n"
                + string.Join('\n', refused.Select(r => $"  {r.Range}: {r.Reason}")));
        }

        if (access == Restricted && ranges.Length == 0 && environment[TlsCertificate.UriVariable] is null)
        {
            throw new HookFailedException(
                $"{AccessVariable} is {Restricted} and {RangesVariable} is empty: Key Vault would refuse this machine, and the postprovision hook creates "
                + $"the self-signed TLS certificate there. Set {RangesVariable} to this machine's public address (and your CI runners'), "
                + $"or name an existing certificate in {TlsCertificate.UriVariable} (docs/deploy.md, \"DNS and TLS\").");
        }
    }

    /// <summary>Why the stores would refuse an entry, or null: an IPv4 address, or a range of at most /30 or exactly /32.</summary>
    private static string? Refusal(string entry)
    {
        var parts = entry.Split('/');
        if (parts.Length > 2 || !IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != AddressFamily.InterNetwork || parts[0].Count(c => c == '.') != 3)
        {
            return "not an IPv4 address or CIDR range";
        }

        var bits = 32;
        if (parts.Length == 2 && (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out bits) || bits > 32))
        {
            return "not a CIDR prefix length (0 to 32)";
        }

        if (bits == 31)
        {
            // Storage accounts take neither /31 nor /32 ranges; a /32 is sent as its address, a /31 must be two addresses.
            return "a storage account refuses /31 ranges: give its two addresses";
        }

        if (NotPublic.Any(n => Within(address, n.Network, n.Bits) || (bits < n.Bits && Within(n.Network, address, bits))))
        {
            return "not a public address: the stores see the public address a machine reaches Azure from";
        }

        return null;
    }

    private static bool Within(IPAddress address, IPAddress network, int bits)
    {
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        for (var i = 0; i < bits; i++)
        {
            var mask = 0x80 >> (i % 8);
            if ((a[i / 8] & mask) != (n[i / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }
}
