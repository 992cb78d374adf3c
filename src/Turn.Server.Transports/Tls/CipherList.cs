using System.Net.Security;

namespace Turn.Server.Transports.Tls;

/// <summary>
/// coturn's <c>cipher-list</c> (an OpenSSL cipher string) as a .NET <see cref="CipherSuitesPolicy"/>.
/// Named suites map (OpenSSL names such as <c>ECDHE-RSA-AES128-GCM-SHA256</c> and IANA names such
/// as <c>TLS_AES_128_GCM_SHA256</c>); OpenSSL keyword expressions (<c>DEFAULT</c>, <c>HIGH</c>,
/// <c>!aNULL</c>, <c>@STRENGTH</c>...) cannot be expressed and leave the system default in place.
/// As with OpenSSL's <c>SSL_CTX_set_cipher_list</c>, a list naming only TLS 1.2 suites keeps the
/// default TLS 1.3 suites.
/// </summary>
public static class CipherList
{
    private static readonly TlsCipherSuite[] DefaultTls13 =
    [
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
    ];

    private static readonly Dictionary<string, TlsCipherSuite> OpenSslNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ECDHE-ECDSA-AES128-GCM-SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ["ECDHE-RSA-AES128-GCM-SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ["ECDHE-ECDSA-AES256-GCM-SHA384"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ["ECDHE-RSA-AES256-GCM-SHA384"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ["ECDHE-ECDSA-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ["ECDHE-RSA-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ["DHE-RSA-AES128-GCM-SHA256"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
        ["DHE-RSA-AES256-GCM-SHA384"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
        ["DHE-RSA-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ["ECDHE-ECDSA-AES128-SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        ["ECDHE-RSA-AES128-SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        ["ECDHE-ECDSA-AES256-SHA384"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
        ["ECDHE-RSA-AES256-SHA384"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
        ["ECDHE-ECDSA-AES128-SHA"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        ["ECDHE-RSA-AES128-SHA"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        ["ECDHE-ECDSA-AES256-SHA"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
        ["ECDHE-RSA-AES256-SHA"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        ["DHE-RSA-AES128-SHA256"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA256,
        ["DHE-RSA-AES256-SHA256"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA256,
        ["DHE-RSA-AES128-SHA"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
        ["DHE-RSA-AES256-SHA"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA,
        ["AES128-GCM-SHA256"] = TlsCipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
        ["AES256-GCM-SHA384"] = TlsCipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384,
        ["AES128-SHA256"] = TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA256,
        ["AES256-SHA256"] = TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA256,
        ["AES128-SHA"] = TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA,
        ["AES256-SHA"] = TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA,
        ["DES-CBC3-SHA"] = TlsCipherSuite.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
        ["ECDHE-RSA-DES-CBC3-SHA"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA,
        ["ECDHE-ECDSA-AES128-CCM"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
        ["ECDHE-ECDSA-AES256-CCM"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
        ["ECDHE-ECDSA-AES128-CCM8"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
        ["ECDHE-ECDSA-AES256-CCM8"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,
    };

    /// <summary>
    /// Parses <paramref name="list"/> (separators <c>:</c>, <c>,</c> and blanks, as OpenSSL).
    /// Returns null (system default) when no named suite is in the list; <paramref name="warning"/>
    /// says what could not be honoured, or is null when everything was.
    /// </summary>
    public static CipherSuitesPolicy? ToPolicy(string? list, out string? warning)
    {
        IReadOnlyList<TlsCipherSuite> suites = Parse(list, out warning);
        if (suites.Count == 0 || OperatingSystem.IsWindows())
        {
            return null; // (Windows has no per-connection cipher policy; this server runs on Linux)
        }

        return new CipherSuitesPolicy(suites);
    }

    /// <summary>The suites <paramref name="list"/> names, TLS 1.3 defaults added when it names none; empty = system default.</summary>
    public static IReadOnlyList<TlsCipherSuite> Parse(string? list, out string? warning)
    {
        warning = null;
        if (string.IsNullOrWhiteSpace(list))
        {
            return [];
        }

        var suites = new List<TlsCipherSuite>();
        var keywords = new List<string>();
        var unknown = new List<string>();
        foreach (string token in list.Split([':', ',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (token[0] is '!' or '-')
            {
                continue; // exclusions: an explicit list already excludes what it does not name
            }

            string name = token.TrimStart('+');
            if (TryMap(name, out TlsCipherSuite suite))
            {
                if (!suites.Contains(suite))
                {
                    suites.Add(suite);
                }
            }
            else if (IsKeyword(name))
            {
                keywords.Add(name);
            }
            else
            {
                unknown.Add(name);
            }
        }

        var problems = new List<string>();
        if (unknown.Count > 0)
        {
            problems.Add($"unknown cipher names ignored: {string.Join(", ", unknown)}");
        }

        if (suites.Count == 0)
        {
            if (unknown.Count > 0 || keywords.Any(k => !k.Equals("DEFAULT", StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add("OpenSSL keyword expressions are not mapped; the system's default cipher suites are used");
            }
        }
        else
        {
            if (keywords.Count > 0)
            {
                problems.Add($"keywords ignored next to named suites: {string.Join(", ", keywords)}");
            }

            if (!suites.Any(IsTls13))
            {
                suites.AddRange(DefaultTls13);
            }
        }

        warning = problems.Count == 0 ? null : $"cipher-list '{list}': {string.Join("; ", problems)}";
        return suites;
    }

    private static bool TryMap(string name, out TlsCipherSuite suite)
    {
        if (OpenSslNames.TryGetValue(name, out suite))
        {
            return true;
        }

        return name.StartsWith("TLS_", StringComparison.OrdinalIgnoreCase)
            && Enum.TryParse(name, ignoreCase: true, out suite)
            && Enum.IsDefined(suite);
    }

    private static bool IsTls13(TlsCipherSuite s) => s is TlsCipherSuite.TLS_AES_128_GCM_SHA256 or TlsCipherSuite.TLS_AES_256_GCM_SHA384
        or TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256 or TlsCipherSuite.TLS_AES_128_CCM_SHA256 or TlsCipherSuite.TLS_AES_128_CCM_8_SHA256;

    /// <summary>OpenSSL cipher-string words that select groups rather than name a suite.</summary>
    private static bool IsKeyword(string token) =>
        token.StartsWith('@')
        || token.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '+') && !token.Contains('-', StringComparison.Ordinal);
}
