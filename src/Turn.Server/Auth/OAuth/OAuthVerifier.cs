using System.Text;

namespace Turn.Server.Auth.OAuth;

/// <summary>
/// The server side of RFC 7635 in one call: from the USERNAME (the kid), the OAUTH-ACCESS-TOKEN value
/// and the AS–RS key, the session's MAC key — the key the request's MESSAGE-INTEGRITY must verify with —
/// or a log-safe reason for refusing. The checks and their order follow coturn (userdb.c get_user_key):
/// key known and not expired (timestamp + lifetime + 5 s, lifetime 0 = forever), token decrypts and
/// authenticates with the server name as AAD, MAC key length, token not expired (timestamp + lifetime
/// + 5 s, lifetime 0 = forever); here a token dated beyond the clock skew in the future is refused too.
/// Every failure should become the same 401 on the wire: the error text is for the log only.
/// </summary>
public static class OAuthVerifier
{
    /// <summary>An HMAC-SHA1 MESSAGE-INTEGRITY key (the only length coturn accepts).</summary>
    public const int Sha1MacKeyLength = 20;

    /// <summary>An HMAC-SHA256 (MESSAGE-INTEGRITY-SHA256, RFC 7635's HMAC-SHA-256-128) key.</summary>
    public const int Sha256MacKeyLength = 32;

    /// <summary>Looks the key up with <paramref name="keyLookup"/> (kid → key, null when unknown), then verifies.</summary>
    /// <param name="kid">The request's USERNAME, which RFC 7635 §5 makes the key id.</param>
    /// <param name="tokenAttribute">The OAUTH-ACCESS-TOKEN attribute value.</param>
    /// <param name="serverName">The AAD: coturn's --server-name, defaulting to the realm.</param>
    /// <param name="unixNow">Current Unix time in seconds.</param>
    /// <param name="keyLookup">Finds the AS–RS key of a kid; null = unknown.</param>
    /// <param name="macKey">The session key (20 or 32 bytes) on success; empty otherwise.</param>
    /// <param name="lifetime">Seconds the session may last (coturn's max_session_time); 0 = no limit.</param>
    /// <param name="error">Why verification failed (no secrets in it); null on success.</param>
    public static bool TryGetSessionKey(
        string kid,
        ReadOnlySpan<byte> tokenAttribute,
        string serverName,
        long unixNow,
        Func<string, OAuthKey?> keyLookup,
        out byte[] macKey,
        out uint lifetime,
        out string? error)
    {
        ArgumentNullException.ThrowIfNull(keyLookup);
        OAuthKey? key = string.IsNullOrEmpty(kid) ? null : keyLookup(kid);
        return TryGetSessionKey(kid, tokenAttribute, serverName, unixNow, key, out macKey, out lifetime, out error);
    }

    /// <summary>Verifies against a key already fetched (e.g. awaited from the user database); null = unknown kid.</summary>
    public static bool TryGetSessionKey(
        string kid,
        ReadOnlySpan<byte> tokenAttribute,
        string serverName,
        long unixNow,
        OAuthKey? key,
        out byte[] macKey,
        out uint lifetime,
        out string? error) =>
        TryGetSessionKey(kid, tokenAttribute, serverName, unixNow, key, OAuthTokenValidation.DefaultClockSkewSeconds, out macKey, out lifetime, out error);

    /// <summary>As the other overloads, with an explicit clock skew allowance in seconds.</summary>
    public static bool TryGetSessionKey(
        string kid,
        ReadOnlySpan<byte> tokenAttribute,
        string serverName,
        long unixNow,
        OAuthKey? key,
        int clockSkewSeconds,
        out byte[] macKey,
        out uint lifetime,
        out string? error)
    {
        macKey = [];
        lifetime = 0;
        if (string.IsNullOrEmpty(kid))
        {
            error = "oAuth request without a key id (USERNAME)";
            return false;
        }

        if (string.IsNullOrEmpty(serverName))
        {
            error = "cannot determine the oAuth server name";
            return false;
        }

        if (tokenAttribute.IsEmpty)
        {
            error = "empty OAUTH-ACCESS-TOKEN";
            return false;
        }

        if (key is null || !string.Equals(key.Kid, kid, StringComparison.Ordinal))
        {
            error = $"unknown oAuth key id '{kid}'";
            return false;
        }

        if (!key.IsUsableAt(unixNow, clockSkewSeconds))
        {
            error = $"oAuth key '{kid}' has expired";
            return false;
        }

        if (!OAuthTokenCodec.TryDecrypt(tokenAttribute, key, Encoding.UTF8.GetBytes(serverName), out OAuthTokenContent? content, out OAuthTokenError decodeError))
        {
            error = $"cannot decode oAuth token ({decodeError})";
            return false;
        }

        if (content.MacKey.Length is not (Sha1MacKeyLength or Sha256MacKeyLength))
        {
            error = $"wrong size of the MAC key in the oAuth token: {content.MacKey.Length}";
            return false;
        }

        switch (OAuthTokenValidation.Check(content, unixNow, clockSkewSeconds))
        {
            case OAuthTokenStatus.Expired:
                error = "oAuth token is too old";
                return false;
            case OAuthTokenStatus.NotYetValid:
                error = "oAuth token is dated in the future";
                return false;
        }

        macKey = content.MacKeyToArray();
        lifetime = OAuthTokenValidation.RemainingSeconds(content, unixNow, clockSkewSeconds);
        error = null;
        return true;
    }
}
