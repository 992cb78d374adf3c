namespace Turn.Server.Dtls;

/// <summary>One cipher suite this server negotiates for DTLS.</summary>
/// <param name="Code">The IANA code point.</param>
/// <param name="IanaName">TLS_… name.</param>
/// <param name="OpenSslName">OpenSSL's name (what coturn's cipher-list uses).</param>
/// <param name="KeyLength">Bytes of each direction's write key (AEAD suites; 0 for the others).</param>
/// <param name="FixedIvLength">Bytes of each direction's implicit IV (4 for GCM's salt, RFC 5288; 12 for ChaCha20-Poly1305, RFC 7905; 0 for CBC).</param>
/// <param name="Sha384">The PRF hash is SHA-384 (else SHA-256).</param>
/// <param name="Ecdsa">Needs an ECDSA certificate (else RSA).</param>
public sealed record DtlsCipherSuite(int Code, string IanaName, string OpenSslName, int KeyLength, int FixedIvLength, bool Sha384, bool Ecdsa)
{
    /// <summary>AES-GCM or ChaCha20-Poly1305 (DTLS 1.2 only): sealed by <see cref="AeadRecordProtection"/>.</summary>
    public bool IsAead => KeyLength > 0;

    public bool IsChaCha => FixedIvLength == 12;

    /// <summary>Bytes a record grows by: explicit nonce (GCM only) and the 16-byte tag.</summary>
    public int Overhead => (IsChaCha ? 0 : 8) + 16;
}

/// <summary>
/// The cipher suites on offer, in the server's order of preference: ECDHE key exchange with
/// AES-GCM (RFC 5289) or ChaCha20-Poly1305 (RFC 7905) for DTLS 1.2, whose records this project
/// protects itself (<see cref="AeadRecordProtection"/>), then ECDHE with AES-CBC and HMAC-SHA1
/// (RFC 4492), the suites DTLS 1.0 clients have (coturn's turnutils_uclient opens some of its
/// sessions with DTLS 1.0), protected by BouncyCastle's cipher.
/// </summary>
public static class DtlsCipherSuites
{
    public static readonly IReadOnlyList<DtlsCipherSuite> All =
    [
        new(0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", 16, 4, false, true),
        new(0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", 32, 4, true, true),
        new(0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", 32, 12, false, true),
        new(0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", 16, 4, false, false),
        new(0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", 32, 4, true, false),
        new(0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", 32, 12, false, false),
        new(0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", 0, 0, false, true),
        new(0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", 0, 0, false, true),
        new(0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", 0, 0, false, false),
        new(0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", 0, 0, false, false),
    ];

    public static DtlsCipherSuite? Find(int code) => All.FirstOrDefault(s => s.Code == code);

    /// <summary>
    /// coturn's cipher-list (OpenSSL syntax: names separated by ':', ',' or ' ') → the suites it
    /// names that this server has, in this server's order. Keywords (DEFAULT, HIGH, !aNULL,
    /// @STRENGTH…) are not evaluated: a list of keywords only keeps every suite. When suites are
    /// named but none of them is here, every suite stays and <paramref name="warning"/> says so.
    /// </summary>
    public static IReadOnlyList<DtlsCipherSuite> FromCipherList(string? cipherList, out string? warning)
    {
        warning = null;
        string[] names = (cipherList ?? "").Split([':', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(t => t.Contains('-', StringComparison.Ordinal) || t.Contains('_', StringComparison.Ordinal))
            .Where(t => t[0] is not ('!' or '-' or '+' or '@'))
            .ToArray();
        if (names.Length == 0)
        {
            return All;
        }

        DtlsCipherSuite[] chosen = All.Where(s => names.Any(n => string.Equals(s.OpenSslName, n, StringComparison.OrdinalIgnoreCase)
                                                              || string.Equals(s.IanaName, n, StringComparison.OrdinalIgnoreCase)))
                                      .ToArray();
        if (chosen.Length == 0)
        {
            warning = $"cipher-list '{cipherList}' names none of the DTLS suites (ECDHE with AES-GCM, ChaCha20-Poly1305 or AES-CBC-SHA); DTLS offers all of them";
            return All;
        }

        return chosen;
    }
}
