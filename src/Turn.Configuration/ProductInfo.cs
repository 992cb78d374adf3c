using System.Reflection;

namespace Turn.Configuration;

/// <summary>Product identity used by <c>--version</c>, the SOFTWARE attribute and the man page.</summary>
public static class ProductInfo
{
    /// <summary>Program name as installed.</summary>
    public const string ProgramName = "turnserver";

    /// <summary>Product name.</summary>
    public const string ProductName = "turn-dotnet";

    /// <summary>Same as <see cref="ProductName"/>.</summary>
    public const string Name = ProductName;

    /// <summary>The coturn release whose command line and configuration file this build accepts.</summary>
    public const string CoturnCompatibleVersion = "4.6.1";

    /// <summary>Product version, e.g. "0.1.0" (assembly informational version without build metadata).</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>Value for the STUN SOFTWARE attribute (RFC 8489 §14.14), e.g. "turn-dotnet 0.1.0 'coturn-compatible'".</summary>
    public static string SoftwareAttribute => $"{ProductName} {Version} 'coturn-compatible'";

    /// <summary>Line printed by <c>turnserver --version</c>.</summary>
    public static string VersionLine => $"{ProgramName} ({ProductName}) {Version}, coturn {CoturnCompatibleVersion} compatible";

    private static string ReadVersion()
    {
        var assembly = typeof(ProductInfo).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus >= 0 ? informational[..plus] : informational;
        }

        var v = assembly.GetName().Version;
        return v is null ? "0.0.0" : $"{v.Major}.{v.Minor}.{v.Build}";
    }
}
