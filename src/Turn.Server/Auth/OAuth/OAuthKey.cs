namespace Turn.Server.Auth.OAuth;

/// <summary>
/// One AS–RS key (an oauth_key row, RFC 7635 §4.1) ready for use: the key id, the AES-GCM key derived
/// from the row's ikm_key, the algorithm, the key's own timestamp / lifetime and its realm.
/// <para>
/// Key derivation is coturn's (convert_oauth_key_data / calculate_key): no HKDF, the AS–RS key is simply
/// the first 32 (A256GCM) or 16 (A128GCM) bytes of the base64-decoded ikm_key; a shorter ikm_key is
/// zero-padded, exactly as coturn's zeroed buffer does. Tokens made by coturn therefore decrypt here.
/// </para>
/// </summary>
public sealed class OAuthKey
{
    /// <summary>Longest ikm_key coturn stores (OAUTH_KEY_SIZE, decoded bytes); longer rows are refused.</summary>
    public const int MaxIkmKeyLength = 256;

    private readonly byte[] _asRsKey;

    /// <summary>Creates a key from an already-derived AS–RS key of exactly the algorithm's length.</summary>
    public OAuthKey(string kid, ReadOnlySpan<byte> asRsKey, OAuthAlgorithm algorithm, ulong timestamp = 0, uint lifetime = 0, string? realm = null)
    {
        ArgumentNullException.ThrowIfNull(kid);
        if (!Enum.IsDefined(algorithm))
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm));
        }

        if (asRsKey.Length != OAuthAlgorithms.KeyLength(algorithm))
        {
            throw new ArgumentException($"an {OAuthAlgorithms.Name(algorithm)} key is {OAuthAlgorithms.KeyLength(algorithm)} bytes", nameof(asRsKey));
        }

        Kid = kid;
        _asRsKey = asRsKey.ToArray();
        Algorithm = algorithm;
        Timestamp = timestamp;
        Lifetime = lifetime;
        Realm = realm ?? string.Empty;
    }

    /// <summary>Key id (oauth_key.kid; the USERNAME of an OAuth request).</summary>
    public string Kid { get; }

    /// <summary>Token encryption algorithm.</summary>
    public OAuthAlgorithm Algorithm { get; }

    /// <summary>The AES-GCM key (16 or 32 bytes).</summary>
    public ReadOnlySpan<byte> AsRsKey => _asRsKey;

    /// <summary>When the key became valid, Unix seconds (oauth_key.timestamp); 0 = not set.</summary>
    public ulong Timestamp { get; }

    /// <summary>Key lifetime in seconds (oauth_key.lifetime); 0 = unlimited.</summary>
    public uint Lifetime { get; }

    /// <summary>Realm the key belongs to (oauth_key.realm); empty = the server's default realm.</summary>
    public string Realm { get; }

    /// <summary>
    /// Builds a key from an oauth_key row (kid, ikm_key as stored in base64, as_rs_alg, timestamp,
    /// lifetime, realm). False, with a log-safe reason, for an empty kid, an ikm_key that is not base64
    /// or decodes to nothing / more than <see cref="MaxIkmKeyLength"/> bytes, or an unknown algorithm.
    /// </summary>
    public static bool TryCreate(
        string? kid,
        string? ikmKeyBase64,
        string? asRsAlg,
        ulong timestamp,
        uint lifetime,
        string? realm,
        out OAuthKey? key,
        out string? error)
    {
        key = null;
        string trimmedKid = (kid ?? string.Empty).Trim(' ');
        if (trimmedKid.Length == 0)
        {
            error = "oAuth key id is empty";
            return false;
        }

        if (!OAuthAlgorithms.TryParse(asRsAlg, out OAuthAlgorithm algorithm))
        {
            error = $"oAuth key '{trimmedKid}': unsupported token encryption algorithm '{asRsAlg}' (A256GCM or A128GCM)";
            return false;
        }

        string b64 = (ikmKeyBase64 ?? string.Empty).Trim();
        byte[] ikm = new byte[(b64.Length / 4 * 3) + 3];
        if (b64.Length == 0 || !Convert.TryFromBase64String(b64, ikm, out int ikmLength) || ikmLength == 0)
        {
            error = $"oAuth key '{trimmedKid}': ikm_key is missing or not base64";
            return false;
        }

        if (ikmLength > MaxIkmKeyLength)
        {
            error = $"oAuth key '{trimmedKid}': ikm_key is longer than {MaxIkmKeyLength} bytes";
            return false;
        }

        // coturn copies the first key-length bytes of its zeroed ikm buffer: truncate or zero-pad.
        Span<byte> asRs = stackalloc byte[OAuthAlgorithms.KeyLength(algorithm)];
        asRs.Clear();
        ikm.AsSpan(0, Math.Min(ikmLength, asRs.Length)).CopyTo(asRs);
        key = new OAuthKey(trimmedKid, asRs, algorithm, timestamp, lifetime, realm);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(ikm);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(asRs);
        error = null;
        return true;
    }

    /// <summary>
    /// Whether the key may still be used at <paramref name="unixNow"/>: coturn's rule, a key with a
    /// lifetime expires at timestamp + lifetime + <paramref name="clockSkewSeconds"/> (coturn's
    /// OAUTH_TIME_DELTA is 5 s); a lifetime of 0 never expires.
    /// </summary>
    public bool IsUsableAt(long unixNow, int clockSkewSeconds = OAuthTokenValidation.DefaultClockSkewSeconds)
    {
        if (Lifetime == 0)
        {
            return true;
        }

        // Timestamp is a 64-bit database value: saturate instead of overflowing.
        const ulong never = long.MaxValue;
        ulong expires = Timestamp > never / 2 ? never : Timestamp + Lifetime + (ulong)Math.Max(0, clockSkewSeconds);
        return unixNow < (long)Math.Min(expires, never);
    }

    /// <summary>Leaves the key material out, so a logged key leaks nothing.</summary>
    public override string ToString() =>
        $"OAuthKey {{ Kid = {Kid}, Algorithm = {OAuthAlgorithms.Name(Algorithm)}, Timestamp = {Timestamp}, Lifetime = {Lifetime}, Realm = {Realm} }}";
}
