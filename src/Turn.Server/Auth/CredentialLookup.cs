namespace Turn.Server.Auth;

/// <summary>
/// What an asynchronous credential lookup found, handed back to the engine so it can run the
/// request again without asking twice: long-term keys, or an RFC 7635 key.
/// </summary>
public sealed class CredentialLookup
{
    public IReadOnlyList<UserKey>? Keys { get; init; }

    public OAuth.OAuthKey? OAuthKey { get; init; }

    /// <summary>True for an OAuth key lookup (whose answer may be null: unknown kid).</summary>
    public bool IsOAuth { get; init; }
}
