using Turn.Protocol;

namespace Turn.Client.Turn;

/// <summary>
/// The client side of the long-term credential mechanism (RFC 8489 §9.2): remembers the REALM and NONCE of the
/// last challenge (401) or stale-nonce answer (438), derives the key MD5(user:realm:password) and signs requests
/// with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY. Not thread-safe: one owner at a time.
/// </summary>
public sealed class TurnAuthenticator
{
    private byte[] _key = [];

    /// <summary>Creates the state for <paramref name="credentials"/> (null: requests are never signed).</summary>
    public TurnAuthenticator(TurnCredentials? credentials) => Credentials = credentials;

    /// <summary>The user name and password, or null for an unauthenticated client.</summary>
    public TurnCredentials? Credentials { get; }

    /// <summary>The realm of the last challenge, or null before the first one.</summary>
    public string? Realm { get; private set; }

    /// <summary>The nonce to send, or null before the first challenge.</summary>
    public string? Nonce { get; private set; }

    /// <summary>The long-term key (16 bytes), empty until a realm is known.</summary>
    public ReadOnlySpan<byte> Key => _key;

    /// <summary>True when requests can be signed: credentials, realm and nonce are all known.</summary>
    public bool CanSign => Credentials is not null && Realm is not null && Nonce is not null;

    /// <summary>
    /// Takes REALM and NONCE from an error response. True when it carried a nonce (a 401 or 438 the request can be
    /// retried after); the key is recomputed when the realm changes.
    /// </summary>
    public bool TryApplyChallenge(in StunMessage response)
    {
        if (!response.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nonceValue)
            || !StunAttributeReader.TryReadString(nonceValue, Stun.MaxTextBytes, out string nonce))
        {
            return false;
        }

        string? realm = Realm;
        if (response.TryGetAttribute(StunAttributeType.Realm, out ReadOnlySpan<byte> realmValue)
            && StunAttributeReader.TryReadString(realmValue, Stun.MaxTextBytes, out string r))
        {
            realm = r;
        }

        if (realm is null)
        {
            return false;
        }

        SetChallenge(realm, nonce);
        return true;
    }

    /// <summary>Sets realm and nonce directly (e.g. learnt out of band).</summary>
    public void SetChallenge(string realm, string nonce)
    {
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(nonce);
        if (Credentials is not null && (realm != Realm || _key.Length == 0))
        {
            _key = StunKeys.LongTermMd5(Credentials.Username, realm, Credentials.Password);
        }

        Realm = realm;
        Nonce = nonce;
    }

    /// <summary>
    /// Adds USERNAME, REALM, NONCE and MESSAGE-INTEGRITY when <see cref="CanSign"/>; otherwise adds nothing (the
    /// request goes out unauthenticated and draws the 401 that starts the exchange). Add FINGERPRINT after this.
    /// </summary>
    public void Sign(ref StunMessageWriter writer)
    {
        if (!CanSign)
        {
            return;
        }

        writer.AddUsername(Credentials!.Username);
        writer.AddRealm(Realm!);
        writer.AddNonce(Nonce!);
        writer.AddMessageIntegrity(_key);
    }

    /// <summary>
    /// False only when the response carries a MESSAGE-INTEGRITY that does not verify with our key: such a response
    /// is to be ignored (RFC 8489 §9.2.5). Responses without integrity (or before a key exists) pass.
    /// </summary>
    public bool VerifyResponse(in StunMessage response)
    {
        if (_key.Length == 0 || !response.HasMessageIntegrity)
        {
            return true;
        }

        return StunIntegrity.VerifyMessageIntegrity(response, _key);
    }
}
