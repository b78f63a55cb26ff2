using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tests.TestDoubles.Network;

/// <summary>
/// A certificate authority that exists for one test run, so that a double can serve HTTPS under a real host name
/// (login.microsoftonline.com) to processes that trust it. Processes started with <see cref="TrustEnvironment"/> trust it
/// besides the system's roots: .NET on Linux reads the extra roots in <c>SSL_CERT_FILE</c> (dotnet/corefx pull 5779),
/// and still reads the system's directory when <c>SSL_CERT_DIR</c> is unset.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _root;

    public TestCertificateAuthority()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=LLM Chat test CA (one test run)", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        BundlePath = Path.Combine(Directory.CreateTempSubdirectory("test-ca-").FullName, "roots.pem");
        File.WriteAllText(BundlePath, _root.ExportCertificatePem());
    }

    /// <summary>The PEM file holding the root, for <c>SSL_CERT_FILE</c>.</summary>
    public string BundlePath { get; }

    /// <summary>What a process needs in its environment to trust this authority.</summary>
    public IReadOnlyDictionary<string, string> TrustEnvironment => new Dictionary<string, string> { ["SSL_CERT_FILE"] = BundlePath };

    /// <summary>A server certificate for <paramref name="host"/>, issued by this authority, with its private key.</summary>
    public X509Certificate2 IssueServerCertificate(string host)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(_root, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // Kestrel on Linux needs a key it can use from a loaded PKCS#12, not an ephemeral one.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    /// <summary>Whether a certificate chains to this authority (for the tests' own client).</summary>
    public bool Issued(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        _root.Dispose();
        Directory.Delete(Path.GetDirectoryName(BundlePath)!, recursive: true);
    }
}
