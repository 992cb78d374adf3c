namespace Turn.Server.Auth.OAuth;

/// <summary>
/// The AS–RS token encryption algorithms coturn supports (oauth_key.as_rs_alg): AEAD AES-GCM with a
/// 12-byte nonce and a 16-byte tag (RFC 5116 AEAD_AES_256_GCM / AEAD_AES_128_GCM, JWA names).
/// </summary>
public enum OAuthAlgorithm
{
    /// <summary>AES-256-GCM; 32-byte key. coturn's default.</summary>
    A256Gcm,

    /// <summary>AES-128-GCM; 16-byte key.</summary>
    A128Gcm,
}

/// <summary>Names and key sizes of <see cref="OAuthAlgorithm"/>.</summary>
public static class OAuthAlgorithms
{
    /// <summary>The algorithm an empty as_rs_alg means (coturn's documented default).</summary>
    public const OAuthAlgorithm Default = OAuthAlgorithm.A256Gcm;

    /// <summary>The AS–RS key length of <paramref name="algorithm"/> in bytes (coturn: calculate_enc_key_length).</summary>
    public static int KeyLength(OAuthAlgorithm algorithm) => algorithm == OAuthAlgorithm.A128Gcm ? 16 : 32;

    /// <summary>The JWA name coturn stores and prints: <c>A256GCM</c> or <c>A128GCM</c>.</summary>
    public static string Name(OAuthAlgorithm algorithm) => algorithm == OAuthAlgorithm.A128Gcm ? "A128GCM" : "A256GCM";

    /// <summary>
    /// Parses as_rs_alg the way coturn does (convert_oauth_key_data): leading spaces skipped, cut at the
    /// next space, <c>_</c> read as <c>-</c>, case-insensitive; then exactly <c>A256GCM</c> or <c>A128GCM</c>.
    /// Unlike coturn (which rejects it) an empty or blank value means <see cref="Default"/>, as coturn's
    /// schema documentation says.
    /// </summary>
    public static bool TryParse(string? name, out OAuthAlgorithm algorithm)
    {
        algorithm = Default;
        if (string.IsNullOrWhiteSpace(name))
        {
            return true;
        }

        switch (Normalize(name))
        {
            case "A256GCM":
                algorithm = OAuthAlgorithm.A256Gcm;
                return true;
            case "A128GCM":
                algorithm = OAuthAlgorithm.A128Gcm;
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// coturn's as_rs_alg clean-up (remove_spaces + normalize_algorithm): leading spaces skipped, cut at
    /// the next space (a value of spaces only is left alone), <c>_</c> → <c>-</c>, ASCII letters upper-cased.
    /// </summary>
    public static string Normalize(string? name)
    {
        ReadOnlySpan<char> s = (name ?? string.Empty).AsSpan();
        if (!s.TrimStart(' ').IsEmpty)
        {
            s = s.TrimStart(' ');
            int space = s.IndexOf(' ');
            if (space >= 0)
            {
                s = s[..space];
            }
        }

        return string.Create(s.Length, s.ToString(), static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++)
            {
                char c = src[i];
                dst[i] = c == '_' ? '-' : c is >= 'a' and <= 'z' ? (char)(c - 'a' + 'A') : c;
            }
        });
    }
}
