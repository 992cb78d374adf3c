using System.Collections.Concurrent;
using Turn.Server;
using Turn.Server.Auth;
using Turn.UserDb;

namespace Turn.Daemon.UserDb;

/// <summary>
/// Long-term keys and REST secrets from the user database, for the engine's credential hook.
/// Answers come from a cache when fresh; otherwise a query runs on the thread pool (never on a
/// relay thread) and the engine re-runs the request when it completes. Entries live
/// <see cref="FreshFor"/> and are then fetched again, so users added, changed or deleted in the
/// database take effect within seconds. While the database is down, a recently known answer is
/// used for up to <see cref="StaleFor"/>; beyond that the lookup fails and the client gets 500.
/// </summary>
internal sealed class DatabaseCredentialSource : ICredentialSource
{
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan StaleFor = TimeSpan.FromMinutes(5);

    private readonly DatabaseHandle _db;
    private readonly StaticCredentialSource _static;
    private readonly bool _rest;
    private readonly IReadOnlyList<string> _staticSecrets;
    private readonly char _separator;
    private readonly Func<long> _unixNow;
    private readonly IServerLog _log;
    private readonly ConcurrentDictionary<(string User, string Realm), Entry<string?>> _keys = new();
    private readonly ConcurrentDictionary<string, Entry<IReadOnlyList<string>>> _secrets = new();
    private readonly ConcurrentDictionary<(string User, string Realm), Task<string?>> _keyQueries = new();
    private readonly ConcurrentDictionary<string, Task<IReadOnlyList<string>>> _secretQueries = new();
    private readonly ConcurrentDictionary<string, Entry<Turn.Server.Auth.OAuth.OAuthKey?>> _oauthKeys = new();
    private readonly ConcurrentDictionary<string, Task<Turn.Server.Auth.OAuth.OAuthKey?>> _oauthQueries = new();

    public DatabaseCredentialSource(
        DatabaseHandle db,
        StaticCredentialSource statics,
        bool restApi,
        IReadOnlyList<string> staticSecrets,
        char separator,
        Func<long> unixNow,
        IServerLog log)
    {
        _db = db;
        _static = statics;
        _rest = restApi;
        _staticSecrets = staticSecrets;
        _separator = separator;
        _unixNow = unixNow;
        _log = log;
    }

    /// <summary>REST passwords are derived here, so SHA-256 keys exist; stored hmackeys are MD5 only.</summary>
    public bool ProvidesSha256Keys => _rest;

    public ValueTask<IReadOnlyList<UserKey>> GetKeysAsync(string username, string realm)
    {
        if (_rest)
        {
            if (!RestApiCredentials.IsValid(username, _separator, _unixNow()))
            {
                return new ValueTask<IReadOnlyList<UserKey>>([]);
            }

            if (_staticSecrets.Count > 0)
            {
                return new ValueTask<IReadOnlyList<UserKey>>(RestApiCredentials.Keys(username, realm, _staticSecrets, _separator, _unixNow()));
            }

            ValueTask<IReadOnlyList<string>> secrets = Cached(_secrets, _secretQueries, realm, r => _db.Query((db, ct) => db.GetSecretsAsync(r, ct)));
            return secrets.IsCompletedSuccessfully
                ? new ValueTask<IReadOnlyList<UserKey>>(RestApiCredentials.Keys(username, realm, secrets.Result, _separator, _unixNow()))
                : new ValueTask<IReadOnlyList<UserKey>>(RestKeysLater(secrets, username, realm));
        }

        if (_static.TryGetUser(username, realm, out UserKey staticKey))
        {
            return new ValueTask<IReadOnlyList<UserKey>>([staticKey]);
        }

        ValueTask<string?> hex = Cached(_keys, _keyQueries, (username, realm), k => _db.Query((db, ct) => db.GetUserKeyAsync(k.Item1, k.Item2, ct)));
        return hex.IsCompletedSuccessfully
            ? new ValueTask<IReadOnlyList<UserKey>>(ToKeys(hex.Result))
            : new ValueTask<IReadOnlyList<UserKey>>(KeysLater(hex));
    }

    public ValueTask<Turn.Server.Auth.OAuth.OAuthKey?> GetOAuthKeyAsync(string kid) =>
        Cached(_oauthKeys, _oauthQueries, kid, k => _db.Query(async (db, ct) => ToOAuthKey(await db.GetOAuthKeyAsync(k, ct).ConfigureAwait(false))));

    /// <summary>An oauth_key row as the verifier's key; a row it cannot use (bad base64, unknown algorithm) counts as absent.</summary>
    private Turn.Server.Auth.OAuth.OAuthKey? ToOAuthKey(OAuthKey? row)
    {
        if (row is null)
        {
            return null;
        }

        if (Turn.Server.Auth.OAuth.OAuthKey.TryCreate(row.Kid, row.IkmKey, row.AsRsAlg, row.Timestamp, row.Lifetime, row.Realm, out Turn.Server.Auth.OAuth.OAuthKey? key, out string? error))
        {
            return key;
        }

        _log.Warning($"user database: oauth_key \"{row.Kid}\" is unusable: {error}");
        return null;
    }

    public bool TryResolveUserHash(ReadOnlySpan<byte> userHash, string realm, out string username) =>
        _static.TryResolveUserHash(userHash, realm, out username);

    private static IReadOnlyList<UserKey> ToKeys(string? hex) =>
        hex is not null && LongTermKey.TryDecode(hex, out byte[] key) && key.Length == 16 ? [new UserKey(key)] : [];

    private static async Task<IReadOnlyList<UserKey>> KeysLater(ValueTask<string?> hex) => ToKeys(await hex.ConfigureAwait(false));

    private async Task<IReadOnlyList<UserKey>> RestKeysLater(ValueTask<IReadOnlyList<string>> secrets, string username, string realm) =>
        RestApiCredentials.Keys(username, realm, await secrets.ConfigureAwait(false), _separator, _unixNow());

    /// <summary>
    /// A fresh cached value at once; else one query per key at a time (concurrent askers share it).
    /// A failed query falls back to a value younger than <see cref="StaleFor"/>, else fails.
    /// </summary>
    private ValueTask<T> Cached<TKey, T>(
        ConcurrentDictionary<TKey, Entry<T>> cache,
        ConcurrentDictionary<TKey, Task<T>> inFlight,
        TKey key,
        Func<TKey, Task<T>> query)
        where TKey : notnull
    {
        long now = Environment.TickCount64;
        if (cache.TryGetValue(key, out Entry<T>? entry) && now - entry.FetchedAtMs < FreshFor.TotalMilliseconds)
        {
            return new ValueTask<T>(entry.Value);
        }

        Task<T> task = inFlight.GetOrAdd(key, k => Fetch(cache, inFlight, k, query));
        return new ValueTask<T>(task);
    }

    private async Task<T> Fetch<TKey, T>(
        ConcurrentDictionary<TKey, Entry<T>> cache,
        ConcurrentDictionary<TKey, Task<T>> inFlight,
        TKey key,
        Func<TKey, Task<T>> query)
        where TKey : notnull
    {
        await Task.Yield(); // run the query off the caller's (relay) thread
        try
        {
            T value = await query(key).ConfigureAwait(false);
            cache[key] = new Entry<T>(value, Environment.TickCount64);
            return value;
        }
        catch (UserDbException e)
        {
            if (cache.TryGetValue(key, out Entry<T>? stale) && Environment.TickCount64 - stale.FetchedAtMs < StaleFor.TotalMilliseconds)
            {
                _log.Warning($"user database: {e.Message}; using the answer cached {(Environment.TickCount64 - stale.FetchedAtMs) / 1000} s ago");
                return stale.Value;
            }

            throw;
        }
        finally
        {
            inFlight.TryRemove(key, out _);
        }
    }

    private sealed record Entry<T>(T Value, long FetchedAtMs);
}
