namespace Turn.Configuration.Tests;

public class TlsFileTests
{
    [Fact]
    public void WithoutCertificateTlsAndDtlsAreTurnedOffWithAWarning()
    {
        using var env = new TestEnv();
        var r = env.Load("-n");
        Assert.True(r.Config.NoTls);
        Assert.True(r.Config.NoDtls);
        Assert.Null(r.Config.ResolvedCertFile);
        Assert.Single(r.Warnings, w => w.Contains("turn_server_cert.pem", StringComparison.Ordinal));
    }

    [Fact]
    public void ExplicitMissingCertificateIsADistinctFatalError()
    {
        using var env = new TestEnv();
        var path = env.WriteConfig("listening-port=3478\ncert=/nonexistent/cert.pem\npkey=/nonexistent/key.pem\n");
        var e = Assert.Throws<ConfigException>(() => env.Load());
        Assert.Equal(ConfigErrorKind.FileNotReadable, e.Kind);
        Assert.Equal("cert", e.OptionName);
        Assert.Equal("/nonexistent/cert.pem", e.Value);
        Assert.Equal(path, e.File);
        Assert.Equal(2, e.Line);
        Assert.Contains("/nonexistent/cert.pem", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CertificateIsNotCheckedWhenTlsAndDtlsAreOff()
    {
        using var env = new TestEnv();
        env.WriteConfig("cert=/nonexistent/cert.pem\nno-tls\nno-dtls\nCA-file=/nonexistent/ca.pem\n");
        var r = env.Load();
        Assert.Null(r.Config.ResolvedCertFile);
        Assert.DoesNotContain(r.Warnings, w => w.Contains("certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void CertificateOnlyNeededForOneOfTlsOrDtls()
    {
        using var env = new TestEnv();
        var e = Assert.Throws<ConfigException>(() => env.Load("-n", "--cert=/nonexistent/c.pem", "--no-tls"));
        Assert.Equal(ConfigErrorKind.FileNotReadable, e.Kind);
        Assert.Null(e.File);
    }

    [Fact]
    public void CertificateAndKeyAreFoundThroughTheSearchPath()
    {
        using var env = new TestEnv();
        var cert = env.Write("etc/server.pem", "cert");
        var key = env.Write("etc/server.key", "key");
        var ca = env.Write("ca.pem", "ca");
        var settings = env.Settings(searchDirectories: ["./", "./etc/"]);
        var r = TurnServerConfigLoader.Load(["-n", "--cert=server.pem", "--pkey=server.key", "--CA-file=ca.pem"], settings);
        Assert.Equal(cert, r.Config.ResolvedCertFile);
        Assert.Equal(key, r.Config.ResolvedPkeyFile);
        Assert.Equal(ca, r.Config.ResolvedCaFile);
        Assert.False(r.Config.NoTls);
        Assert.False(r.Config.NoDtls);
        Assert.Equal("server.pem", r.Config.Cert);
    }

    [Fact]
    public void DefaultCertificateNamesAreUsedWhenPresent()
    {
        using var env = new TestEnv();
        var cert = env.Write("turn_server_cert.pem", "cert");
        var key = env.Write("turn_server_pkey.pem", "key");
        var r = env.Load("-n");
        Assert.Equal(cert, r.Config.ResolvedCertFile);
        Assert.Equal(key, r.Config.ResolvedPkeyFile);
        Assert.False(r.Config.NoTls);
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void MissingDefaultKeyFallsBackToTheCertificateFile()
    {
        using var env = new TestEnv();
        var cert = env.Write("combined.pem", "cert+key");
        var r = env.Load("-n", "--cert=combined.pem");
        Assert.Equal(cert, r.Config.ResolvedPkeyFile);
        Assert.Single(r.Warnings, w => w.Contains("pkey", StringComparison.Ordinal));
    }

    [Fact]
    public void ExplicitMissingKeyCaOrDhFileIsFatal()
    {
        using var env = new TestEnv();
        env.Write("c.pem", "cert");
        env.Write("k.pem", "key");
        foreach (var (arg, option) in new[]
                 {
                     ("--pkey=missing.pem", "pkey"), ("--CA-file=missing.pem", "CA-file"), ("--dh-file=missing.pem", "dh-file"),
                 })
        {
            string[] args = option == "pkey" ? ["-n", "--cert=c.pem", arg] : ["-n", "--cert=c.pem", "--pkey=k.pem", arg];
            var e = Assert.Throws<ConfigException>(() => env.Load(args));
            Assert.Equal(ConfigErrorKind.FileNotReadable, e.Kind);
            Assert.Equal(option, e.OptionName);
            Assert.Equal("missing.pem", e.Value);
        }
    }

    [Fact]
    public void FileChecksCanBeTurnedOff()
    {
        using var env = new TestEnv();
        var r = env.LoadNoFiles("-n", "--cert=/nonexistent.pem");
        Assert.False(r.Config.NoTls);
        Assert.Null(r.Config.ResolvedCertFile);
    }
}
