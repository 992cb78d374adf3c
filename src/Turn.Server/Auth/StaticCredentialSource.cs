using System.Buffers.Binary;
using Turn.Protocol;

namespace Turn.Server.Auth;

/// <summary>
/// Users from the configuration (-u name:password or name:0x&lt;md5 key&gt;) and TURN REST API secrets
/// (--use-auth-secret with --static-auth-secret). Everything answers synchronously.
/// </summary>
public sealed class StaticCredentialSource : ICredentialSource
{
    private readonly Dictionary<string, UserKey> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<UInt128, string> _userHashes = [];
    private readonly IReadOnlyList<string> _secrets;
    private readonly char _separator;
    private readonly Func<long> _unixNow;
    private readonly string _realm;
    private readonly bool _allPasswordsKnown = true;

    /// <param name="realm">The realm static users belong to (their 0x keys are bound to it).</param>
    /// <param name="users">Name and either a password or a 16-byte MD5 key.</param>
    /// <param name="restSecrets">REST API shared secrets; empty when --use-auth-secret is off.</param>
    /// <param name="restSeparator">Separator between the expiry timestamp and the user name (--rest-api-separator).</param>
    /// <param name="unixNow">The clock, in Unix seconds.</param>
    public StaticCredentialSource(
        string realm,
        IEnumerable<(string Name, string? Password, byte[]? Md5Key)> users,
        IReadOnlyList<string> restSecrets,
        char restSeparator,
        Func<long> unixNow)
    {
        _realm = realm;
        _secrets = restSecrets;
        _separator = restSeparator;
        _unixNow = unixNow;
        foreach ((string name, string? password, byte[]? md5) in users)
        {
            if (password is not null)
            {
                _users[name] = UserKey.FromPassword(name, realm, password);
            }
            else if (md5 is not null)
            {
                _users[name] = new UserKey(md5);
                _allPasswordsKnown = false;
            }

            _userHashes[Hash(StunKeys.UserHash(name, realm))] = name;
        }
    }

    public bool ProvidesSha256Keys => _allPasswordsKnown;

    public bool HasRestSecrets => _secrets.Count > 0;

    public ValueTask<IReadOnlyList<UserKey>> GetKeysAsync(string username, string realm)
    {
        if (!string.Equals(realm, _realm, StringComparison.Ordinal))
        {
            return new ValueTask<IReadOnlyList<UserKey>>([]);
        }

        if (_secrets.Count > 0)
        {
            return new ValueTask<IReadOnlyList<UserKey>>(RestKeys(username, realm));
        }

        return new ValueTask<IReadOnlyList<UserKey>>(_users.TryGetValue(username, out UserKey? key) ? [key] : []);
    }

    public ValueTask<OAuth.OAuthKey?> GetOAuthKeyAsync(string kid) => new((OAuth.OAuthKey?)null);

    public bool TryResolveUserHash(ReadOnlySpan<byte> userHash, string realm, out string username)
    {
        username = string.Empty;
        return userHash.Length == 32 && string.Equals(realm, _realm, StringComparison.Ordinal)
            && _userHashes.TryGetValue(Hash(userHash), out username!);
    }

    /// <summary>REST API keys for <paramref name="username"/> from the configured secrets.</summary>
    public IReadOnlyList<UserKey> RestKeys(string username, string realm) =>
        RestApiCredentials.Keys(username, realm, _secrets, _separator, _unixNow());

    /// <summary>The configured user, if any (for sources that combine static users with a database).</summary>
    public bool TryGetUser(string username, out UserKey key) => _users.TryGetValue(username, out key!);

    /// <summary>The configured user in <paramref name="realm"/>: configured users belong to the default realm only.</summary>
    public bool TryGetUser(string username, string realm, out UserKey key)
    {
        key = null!;
        return string.Equals(realm, _realm, StringComparison.Ordinal) && _users.TryGetValue(username, out key!);
    }

    private static UInt128 Hash(ReadOnlySpan<byte> userHash) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(userHash), BinaryPrimitives.ReadUInt64LittleEndian(userHash[8..]));
}
