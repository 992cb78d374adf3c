using System.Security.Cryptography;
using System.Text;
using Turn.Protocol;

namespace Turn.Server.Auth;

/// <summary>
/// The long-term credential mechanism of RFC 8489 §9.2 (with RFC 5389 clients unchanged): checks a
/// request's USERNAME or USERHASH, REALM, NONCE, PASSWORD-ALGORITHM(S) and MESSAGE-INTEGRITY(-SHA256),
/// and writes 401/438 challenges. Several realms may be served (the default one, and those an ORIGIN
/// selects): each challenge names one, with a nonce bound to it. One instance is shared by all workers;
/// it holds no mutable state.
/// </summary>
public sealed class Authenticator
{
    private readonly NonceService _nonces;
    private readonly ICredentialSource _credentials;
    private readonly StunPasswordAlgorithm[] _offered;

    private readonly string? _oauthServerName;

    /// <param name="realm">The default realm (-r): requests without a known ORIGIN are served in it.</param>
    /// <param name="nonces">Issues and checks nonces.</param>
    /// <param name="credentials">Where keys come from.</param>
    /// <param name="oauthServerName">With --oauth: the server name tokens are bound to (RFC 7635); null = no third-party authorization.</param>
    public Authenticator(string realm, NonceService nonces, ICredentialSource credentials, string? oauthServerName = null)
    {
        _oauthServerName = oauthServerName;
        Realm = realm;
        RealmUtf8 = Encoding.UTF8.GetBytes(realm);
        _nonces = nonces;
        _credentials = credentials;

        // RFC 8489 §9.2.4: the client uses the first algorithm of this list that it supports, so
        // SHA-256 goes first only where every user has a SHA-256 key.
        _offered = credentials.ProvidesSha256Keys
            ? [StunPasswordAlgorithm.Sha256, StunPasswordAlgorithm.Md5]
            : [StunPasswordAlgorithm.Md5];
    }

    public string Realm { get; }

    public byte[] RealmUtf8 { get; }

    /// <summary>
    /// Authenticates <paramref name="request"/> in the default realm, or in the allocation's realm when
    /// <paramref name="fixedSession"/> is given. See the overload with a realm.
    /// </summary>
    public AuthOutcome Authenticate(
        in StunMessage request,
        in StunAddress client,
        long unixNow,
        SessionCredentials? fixedSession,
        CredentialLookup? known,
        out SessionCredentials? session,
        out Task<CredentialLookup>? lookup)
    {
        string realm = fixedSession?.Realm ?? Realm;
        return Authenticate(request, client, unixNow, ref realm, fixedSession, known, out session, out lookup);
    }

    /// <summary>
    /// Authenticates <paramref name="request"/>. With <paramref name="fixedSession"/> (the allocation's)
    /// the user, realm and key are already known; otherwise keys are looked up, which may be
    /// <see cref="AuthOutcome.Pending"/>: then <paramref name="lookup"/> completes later and the
    /// request should be run again with the result as <paramref name="known"/>.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="client">Its source (nonces are bound to the IP).</param>
    /// <param name="unixNow">Wall clock, Unix seconds.</param>
    /// <param name="realm">
    /// In: the realm the server gives this request (the allocation's; for an Allocate, the one its ORIGIN selects;
    /// else the default). Out: the session's realm when <see cref="AuthOutcome.Ok"/>, else the realm to challenge with.
    /// A new session is served in the realm its REALM names when the nonce was issued with that realm (the server
    /// chose it in the challenge, as coturn fixes a session's realm at its first Allocate); a nonce issued for
    /// another realm of ours means REALM is wrong (<see cref="AuthOutcome.WrongRealm"/>).
    /// </param>
    /// <param name="fixedSession">The allocation's credentials, or null for a request without an allocation.</param>
    /// <param name="known">The result of an earlier <paramref name="lookup"/> for this request.</param>
    /// <param name="session">The credentials when <see cref="AuthOutcome.Ok"/>.</param>
    /// <param name="lookup">When <see cref="AuthOutcome.Pending"/>: the lookup to wait for.</param>
    public AuthOutcome Authenticate(
        in StunMessage request,
        in StunAddress client,
        long unixNow,
        ref string realm,
        SessionCredentials? fixedSession,
        CredentialLookup? known,
        out SessionCredentials? session,
        out Task<CredentialLookup>? lookup)
    {
        session = null;
        lookup = null;

        bool sha256Integrity = request.HasMessageIntegritySha256;
        if (!sha256Integrity && !request.HasMessageIntegrity)
        {
            return AuthOutcome.Unauthorized;
        }

        // §9.2.4 steps: USERNAME or USERHASH, REALM and NONCE must all be present.
        bool hasUser = request.TryGetAttribute(StunAttributeType.Username, out ReadOnlySpan<byte> username);
        bool hasHash = request.TryGetAttribute(StunAttributeType.UserHash, out ReadOnlySpan<byte> userHash);
        if ((!hasUser && !hasHash)
            || !request.TryGetAttribute(StunAttributeType.Realm, out ReadOnlySpan<byte> requestRealm)
            || !request.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nonce)
            || !StunAttributeReader.TryReadRealm(requestRealm, out _))
        {
            return AuthOutcome.BadRequest;
        }

        if (fixedSession is not null)
        {
            // Requests on an allocation are in its realm (coturn checks REALM before NONCE).
            realm = fixedSession.Realm;
            if (!requestRealm.SequenceEqual(fixedSession.RealmUtf8))
            {
                return AuthOutcome.WrongRealm;
            }

            if (_nonces.Check(nonce, client, unixNow, fixedSession.RealmUtf8) != NonceCheck.Valid)
            {
                return AuthOutcome.StaleNonce;
            }
        }
        else
        {
            switch (_nonces.Check(nonce, client, unixNow, requestRealm))
            {
                case NonceCheck.Valid:
                    realm = RealmOf(requestRealm);
                    break;
                case NonceCheck.Stale:
                    // Ours, for this realm, but old: a fresh nonce for the same realm.
                    realm = RealmOf(requestRealm);
                    return AuthOutcome.StaleNonce;
                default:
                    // Issued for another of our realms (the one ORIGIN selects, or the default): REALM is wrong.
                    return IssuedFor(nonce, client, unixNow, realm) || (realm != Realm && IssuedFor(nonce, client, unixNow, Realm))
                        ? AuthOutcome.WrongRealm
                        : AuthOutcome.StaleNonce;
            }
        }

        if (!TryGetAlgorithm(request, out StunPasswordAlgorithm algorithm))
        {
            return AuthOutcome.BadRequest;
        }

        if (fixedSession is not null)
        {
            // RFC 8656 §6.2 / §7: requests on an allocation must come from its user, with its key.
            bool sameUser = hasUser
                ? username.SequenceEqual(fixedSession.UsernameUtf8)
                : userHash.Length == 32 && MatchesUserHash(userHash, fixedSession);
            if (!sameUser)
            {
                return AuthOutcome.WrongCredentials;
            }

            if (!Verify(request, fixedSession.Key, sha256Integrity))
            {
                return AuthOutcome.Unauthorized;
            }

            session = fixedSession;
            return AuthOutcome.Ok;
        }

        // RFC 7635 §5: with OAUTH-ACCESS-TOKEN, USERNAME is the key id and the token carries the MAC key.
        if (_oauthServerName is not null && hasUser && request.TryGetAttribute(StunAttributeType.AccessToken, out ReadOnlySpan<byte> token))
        {
            return AuthenticateOAuth(request, username, token, unixNow, sha256Integrity, realm, known, out session, out lookup);
        }

        string name;
        if (hasUser)
        {
            if (!StunAttributeReader.TryReadUsername(username, out _))
            {
                return AuthOutcome.BadRequest;
            }

            name = Encoding.UTF8.GetString(username);
        }
        else if (!_credentials.TryResolveUserHash(userHash, realm, out name))
        {
            return AuthOutcome.Unauthorized;
        }

        IReadOnlyList<UserKey> keys;
        if (known is { IsOAuth: false, Keys: { } prefetched })
        {
            keys = prefetched;
        }
        else
        {
            ValueTask<IReadOnlyList<UserKey>> pending = _credentials.GetKeysAsync(name, realm);
            if (!pending.IsCompletedSuccessfully)
            {
                lookup = KeysLater(pending);
                return AuthOutcome.Pending;
            }

            keys = pending.Result;
        }

        for (int i = 0; i < keys.Count; i++)
        {
            byte[]? key = keys[i].For(algorithm);
            if (key is not null && Verify(request, key, sha256Integrity))
            {
                session = new SessionCredentials(name, realm, key, algorithm);
                return AuthOutcome.Ok;
            }
        }

        return AuthOutcome.Unauthorized;
    }

    /// <summary>Adds REALM (the default realm), NONCE, PASSWORD-ALGORITHMS (and THIRD-PARTY-AUTHORIZATION with --oauth) to a 401 or 438.</summary>
    public void AddChallenge(ref StunMessageWriter writer, in StunAddress client, long unixNow) =>
        AddChallenge(ref writer, client, unixNow, Realm);

    /// <summary>
    /// Adds REALM <paramref name="realm"/>, a NONCE bound to it, PASSWORD-ALGORITHMS (and THIRD-PARTY-AUTHORIZATION
    /// with --oauth) to a 401 or 438 (RFC 8489 §9.2.4). A realm too long for REALM falls back to the default one.
    /// </summary>
    public void AddChallenge(ref StunMessageWriter writer, in StunAddress client, long unixNow, string realm)
    {
        if (_oauthServerName is not null)
        {
            writer.AddThirdPartyAuthorization(_oauthServerName);
        }

        Span<byte> realmBuffer = stackalloc byte[NonceService.MaxRealmBytes];
        scoped ReadOnlySpan<byte> realmUtf8 = RealmUtf8;
        if (!string.Equals(realm, Realm, StringComparison.Ordinal) && Encoding.UTF8.TryGetBytes(realm, realmBuffer, out int written))
        {
            realmUtf8 = realmBuffer[..written];
        }

        writer.AddUtf8(StunAttributeType.Realm, realmUtf8);
        Span<byte> nonce = stackalloc byte[NonceService.Length];
        _nonces.Write(client, unixNow, realmUtf8, nonce);
        writer.AddUtf8(StunAttributeType.Nonce, nonce);
        if (_nonces.PasswordAlgorithms)
        {
            writer.AddPasswordAlgorithms(_offered);
        }
    }

    /// <summary>Adds MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 (as the request used) to a response.</summary>
    public static void AddIntegrity(ref StunMessageWriter writer, SessionCredentials session, bool sha256)
    {
        if (sha256)
        {
            writer.AddMessageIntegritySha256(session.Key);
        }
        else
        {
            writer.AddMessageIntegrity(session.Key);
        }
    }

    private AuthOutcome AuthenticateOAuth(
        in StunMessage request,
        ReadOnlySpan<byte> kidUtf8,
        ReadOnlySpan<byte> token,
        long unixNow,
        bool sha256Integrity,
        string realm,
        CredentialLookup? known,
        out SessionCredentials? session,
        out Task<CredentialLookup>? lookup)
    {
        session = null;
        lookup = null;
        string kid = Encoding.UTF8.GetString(kidUtf8);
        OAuth.OAuthKey? key;
        if (known is { IsOAuth: true })
        {
            key = known.OAuthKey;
        }
        else
        {
            ValueTask<OAuth.OAuthKey?> pending = _credentials.GetOAuthKeyAsync(kid);
            if (!pending.IsCompletedSuccessfully)
            {
                lookup = OAuthLater(pending);
                return AuthOutcome.Pending;
            }

            key = pending.Result;
        }

        // Every failure (unknown kid, bad or expired token, wrong MAC) is the same 401.
        if (!OAuth.OAuthVerifier.TryGetSessionKey(kid, token, _oauthServerName!, unixNow, key, out byte[] macKey, out uint lifetime, out _)
            || !Verify(request, macKey = IntegrityKey(macKey, sha256Integrity), sha256Integrity))
        {
            return AuthOutcome.Unauthorized;
        }

        session = new SessionCredentials(kid, realm, macKey, StunPasswordAlgorithm.Md5) { MaxLifetimeSeconds = lifetime };
        return AuthOutcome.Ok;
    }

    /// <summary>
    /// The HMAC key the token's MAC key gives: coturn (server and clients) keys MESSAGE-INTEGRITY
    /// with the first 16 bytes, the size of a long-term MD5 key; MESSAGE-INTEGRITY-SHA256 takes it whole.
    /// </summary>
    private static byte[] IntegrityKey(byte[] macKey, bool sha256) => sha256 || macKey.Length <= 16 ? macKey : macKey[..16];

    /// <summary>The realm a REALM value names (the default realm's string without decoding it again).</summary>
    private string RealmOf(ReadOnlySpan<byte> utf8) => utf8.SequenceEqual(RealmUtf8) ? Realm : Encoding.UTF8.GetString(utf8);

    /// <summary>True when <paramref name="nonce"/> is one we issued to this client for <paramref name="realm"/> (fresh or stale).</summary>
    private bool IssuedFor(ReadOnlySpan<byte> nonce, in StunAddress client, long unixNow, string realm)
    {
        Span<byte> buffer = stackalloc byte[NonceService.MaxRealmBytes];
        return Encoding.UTF8.TryGetBytes(realm, buffer, out int written)
            && _nonces.Check(nonce, client, unixNow, buffer[..written]) != NonceCheck.Invalid;
    }

    private static async Task<CredentialLookup> KeysLater(ValueTask<IReadOnlyList<UserKey>> pending) =>
        new() { Keys = await pending.ConfigureAwait(false) };

    private static async Task<CredentialLookup> OAuthLater(ValueTask<OAuth.OAuthKey?> pending) =>
        new() { IsOAuth = true, OAuthKey = await pending.ConfigureAwait(false) };

    private static bool Verify(in StunMessage request, byte[] key, bool sha256) =>
        sha256 ? StunIntegrity.VerifyMessageIntegritySha256(request, key) : StunIntegrity.VerifyMessageIntegrity(request, key);

    /// <summary>
    /// RFC 8489 §9.2.4: when the nonce announced the password-algorithms feature, PASSWORD-ALGORITHMS
    /// must echo our list exactly and PASSWORD-ALGORITHM must pick one of it; both or neither.
    /// Without them (RFC 5389 clients) the algorithm is MD5.
    /// </summary>
    private bool TryGetAlgorithm(in StunMessage request, out StunPasswordAlgorithm algorithm)
    {
        algorithm = StunPasswordAlgorithm.Md5;
        bool hasList = request.TryGetAttribute(StunAttributeType.PasswordAlgorithms, out ReadOnlySpan<byte> list);
        bool hasChoice = request.TryGetAttribute(StunAttributeType.PasswordAlgorithm, out ReadOnlySpan<byte> choice);
        if (!hasList && !hasChoice)
        {
            return true;
        }

        if (hasList != hasChoice || !_nonces.PasswordAlgorithms)
        {
            return false;
        }

        Span<StunPasswordAlgorithm> echoed = stackalloc StunPasswordAlgorithm[8];
        if (!StunAttributeReader.TryReadPasswordAlgorithms(list, echoed, out int count)
            || !echoed[..count].SequenceEqual(_offered)
            || !StunAttributeReader.TryReadPasswordAlgorithm(choice, out algorithm, out _)
            || Array.IndexOf(_offered, algorithm) < 0)
        {
            return false;
        }

        return true;
    }

    private bool MatchesUserHash(ReadOnlySpan<byte> userHash, SessionCredentials session)
    {
        Span<byte> expected = stackalloc byte[32];
        StunKeys.UserHash(session.UsernameUtf8, session.RealmUtf8, expected);
        return CryptographicOperations.FixedTimeEquals(expected, userHash);
    }
}
