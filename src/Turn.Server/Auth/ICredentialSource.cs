namespace Turn.Server.Auth;

/// <summary>
/// Where the engine gets long-term keys. Implemented by the host: static users and REST secrets
/// answer at once; a database answers later from a background thread (never a relay thread).
/// Implementations cache, so that a request re-run after an asynchronous answer finds it at once.
/// </summary>
public interface ICredentialSource
{
    /// <summary>
    /// True when keys for PASSWORD-ALGORITHM SHA-256 can be produced (the password itself is known),
    /// so the server may offer SHA-256 first in PASSWORD-ALGORITHMS.
    /// </summary>
    bool ProvidesSha256Keys { get; }

    /// <summary>
    /// The keys <paramref name="username"/> may authenticate with in <paramref name="realm"/>;
    /// empty for an unknown user, an expired REST username, or a database that cannot answer.
    /// Several keys when several REST secrets are configured (each is tried).
    /// </summary>
    ValueTask<IReadOnlyList<UserKey>> GetKeysAsync(string username, string realm);

    /// <summary>The RFC 7635 key with id <paramref name="kid"/> (oauth_key), or null when unknown or there is no database.</summary>
    ValueTask<OAuth.OAuthKey?> GetOAuthKeyAsync(string kid);

    /// <summary>Maps a USERHASH (RFC 8489 §14.4) back to a user name, where the source can enumerate users.</summary>
    bool TryResolveUserHash(ReadOnlySpan<byte> userHash, string realm, out string username);
}
