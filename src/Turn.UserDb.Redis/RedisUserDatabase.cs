using System.Globalization;
using System.Net;
using System.Text;
using StackExchange.Redis;
using Turn.UserDb.Sql;

namespace Turn.UserDb.Redis;

/// <summary>
/// A coturn-compatible Redis user database (coturn 4.6.1's key layout, <c>turndb/schema.userdb.redis</c>):
/// <list type="bullet">
/// <item><c>turn/realm/&lt;realm&gt;/user/&lt;user&gt;/key</c> string, the hex long-term key (or <c>…/password</c>, a plain
/// password, read when there is no key: its key is computed);</item>
/// <item><c>turn/realm/&lt;realm&gt;/secret</c> set of shared secrets;</item>
/// <item><c>turn/realm/&lt;realm&gt;/{max-bps,total-quota,user-quota}</c> strings;</item>
/// <item><c>turn/realm/&lt;realm&gt;/{allowed-peer-ip,denied-peer-ip}</c> sets;</item>
/// <item><c>turn/origin/&lt;origin&gt;</c> string, the realm;</item>
/// <item><c>turn/oauth/kid/&lt;kid&gt;</c> hash {ikm_key, timestamp, lifetime, as_rs_alg, realm};</item>
/// <item><c>turn/admin_user/&lt;name&gt;</c> hash {password, realm}.</item>
/// </list>
/// </summary>
/// <remarks>
/// <para>Keys are built from the values as they are (UTF-8) and sent as whole arguments, so blanks, quotes, <c>%</c>
/// and the like are data (coturn's own driver splits on blanks). Listing uses SCAN (never KEYS) with the values
/// escaped in the MATCH pattern (<c>* ? [ ] \</c>), so a realm like <c>*</c> lists only that realm. Lists come back
/// sorted by realm, then name (coturn prints Redis lists in hash order). Like coturn's turnadmin, every write is
/// followed by a background save (BGSAVE) unless <see cref="RedisUserDatabaseFactory.SaveAfterWrite"/> is off.</para>
/// <para>One multiplexed connection serves all threads. Each call waits at most the command timeout (a down server
/// fails at once with "no connection available" while the client reconnects in the background).</para>
/// </remarks>
internal sealed class RedisUserDatabase : IUserDatabase
{
    private const string RealmPrefix = "turn/realm/";
    private const string OriginPrefix = "turn/origin/";
    private const string OAuthPrefix = "turn/oauth/kid/";
    private const string AdminPrefix = "turn/admin_user/";
    private const int ScanPageSize = 1000;

    private readonly ConnectionMultiplexer _mux;
    private readonly int _database;
    private readonly TimeSpan _timeout;
    private readonly bool _saveAfterWrite;
    private readonly string? _password;

    private RedisUserDatabase(ConnectionMultiplexer mux, int database, TimeSpan timeout, bool saveAfterWrite, string description, string? password)
    {
        _mux = mux;
        _database = database;
        _timeout = timeout;
        _saveAfterWrite = saveAfterWrite;
        _password = password;
        Description = description;
    }

    /// <inheritdoc />
    public string Description { get; }

    private IDatabase Db => _mux.GetDatabase(_database);

    public static async Task<RedisUserDatabase> OpenAsync(ConfigurationOptions options, TimeSpan commandTimeout, bool saveAfterWrite, CancellationToken ct)
    {
        string description = "Redis " + RedisConnectionInfo.Describe(options);
        var connectTimeout = TimeSpan.FromMilliseconds(options.ConnectTimeout);

        // StackExchange.Redis 1.2.6 keeps retrying a refused connection until its connect timeout: find out at once.
        await ProbeAsync(options.EndPoints[0], connectTimeout, description, ct).ConfigureAwait(false);

        Task<ConnectionMultiplexer> connecting = ConnectionMultiplexer.ConnectAsync(options);
        ConnectionMultiplexer mux;
        try
        {
            // The client's own connect timeout covers the handshake; the guard covers a client that would not give up.
            mux = await connecting.WaitAsync(connectTimeout + TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _ = connecting.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw e is TimeoutException
                ? new UserDbException($"{description}: no connection within {connectTimeout.TotalSeconds:0.#} s")
                : Redaction.Wrap($"{description}: cannot connect", e, options.Password);
        }
        catch
        {
            _ = connecting.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }

        var db = new RedisUserDatabase(mux, options.DefaultDatabase ?? 0, commandTimeout, saveAfterWrite, description, options.Password);
        try
        {
            await db.PingAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await db.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return db;
    }

    private static async Task ProbeAsync(EndPoint endPoint, TimeSpan timeout, string description, CancellationToken ct)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(endPoint, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new UserDbException($"{description}: no connection within {timeout.TotalSeconds:0.#} s");
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new UserDbException($"{description}: cannot connect ({e.Message})", e);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _mux.CloseAsync(allowCommandsToComplete: false).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException or ObjectDisposedException)
        {
        }

        _mux.Dispose();
    }

    // ------------------------------------------------------------------ keys

    private static string UserKey(string realm, string user) => $"{RealmPrefix}{realm}/user/{user}/key";

    private static string UserPasswordKey(string realm, string user) => $"{RealmPrefix}{realm}/user/{user}/password";

    private static string SecretKey(string realm) => $"{RealmPrefix}{realm}/secret";

    private static string RealmOptionKey(string realm, string option) => $"{RealmPrefix}{realm}/{option}";

    private static string PeerIpKey(string realm, string kind) => $"{RealmPrefix}{realm}/{kind}-peer-ip";

    /// <summary>Escapes the glob metacharacters of Redis MATCH patterns so that <paramref name="value"/> matches only itself.</summary>
    internal static string EscapeGlob(string value)
    {
        var sb = new StringBuilder(value.Length + 8);
        foreach (char c in value)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    // ------------------------------------------------------------------ server side

    /// <inheritdoc />
    public Task<string?> GetUserKeyAsync(string user, string realm, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(realm);
        return CallAsync(
            async db =>
            {
                RedisValue[] values = await db.StringGetAsync([UserKey(realm, user), UserPasswordKey(realm, user)]).ConfigureAwait(false);
                if (!values[0].IsNull)
                {
                    return (string?)values[0];
                }

                return values[1].IsNull ? null : LongTermKey.ComputeMd5Hex(user, realm, (string)values[1]!);
            },
            ct);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetSecretsAsync(string realm, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(realm);
        return CallAsync<IReadOnlyList<string>>(async db => (await db.SetMembersAsync(SecretKey(realm)).ConfigureAwait(false)).Select(m => (string)m!).ToList(), ct);
    }

    /// <inheritdoc />
    public Task<string?> GetRealmForOriginAsync(string origin, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return CallAsync(async db => (string?)await db.StringGetAsync(OriginPrefix + origin).ConfigureAwait(false), ct);
    }

    /// <inheritdoc />
    public Task<RealmOptions> GetRealmOptionsAsync(string realm, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(realm);
        return CallAsync(
            async db =>
            {
                RedisValue[] v = await db.StringGetAsync(
                    [RealmOptionKey(realm, RealmOptionNames.MaxBps), RealmOptionKey(realm, RealmOptionNames.TotalQuota), RealmOptionKey(realm, RealmOptionNames.UserQuota)]).ConfigureAwait(false);
                return new RealmOptions(
                    v[0].IsNull ? null : CNumber.ToULong((string?)v[0]),
                    v[1].IsNull ? null : CNumber.ToInt((string?)v[1]),
                    v[2].IsNull ? null : CNumber.ToInt((string?)v[2]));
            },
            ct);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PeerIpRange>> GetAllowedPeerIpsAsync(string? realm, CancellationToken ct = default) => PeerIpsAsync("allowed", realm, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<PeerIpRange>> GetDeniedPeerIpsAsync(string? realm, CancellationToken ct = default) => PeerIpsAsync("denied", realm, ct);

    /// <inheritdoc />
    public Task<OAuthKey?> GetOAuthKeyAsync(string kid, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(kid);
        return CallAsync(
            async db =>
            {
                HashEntry[] fields = await db.HashGetAllAsync(OAuthPrefix + kid).ConfigureAwait(false);
                if (fields.Length == 0)
                {
                    return null;
                }

                var map = ToMap(fields);
                return new OAuthKey(
                    kid,
                    map.GetValueOrDefault("ikm_key", string.Empty),
                    CNumber.ParseLeadingDigits(map.GetValueOrDefault("timestamp")) ?? 0,
                    (uint)Math.Min(CNumber.ParseLeadingDigits(map.GetValueOrDefault("lifetime")) ?? 0, uint.MaxValue),
                    map.GetValueOrDefault("as_rs_alg", string.Empty),
                    map.GetValueOrDefault("realm", string.Empty));
            },
            ct);
    }

    /// <inheritdoc />
    public Task<AdminUser?> GetAdminUserAsync(string name, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return CallAsync(async db => ToAdmin(name, await db.HashGetAllAsync(AdminPrefix + name).ConfigureAwait(false)), ct);
    }

    /// <inheritdoc />
    public Task PingAsync(CancellationToken ct = default)
        => CallAsync(db => db.KeyExistsAsync("turn/origin/"), ct); // a keyed command, so the database is SELECTed (and checked) too

    // ------------------------------------------------------------------ admin side

    /// <inheritdoc />
    public Task SetUserKeyAsync(string user, string realm, string hexKey, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(hexKey);
        return WriteAsync(db => db.StringSetAsync(UserKey(realm, user), hexKey), ct);
    }

    /// <inheritdoc />
    public Task<bool> DeleteUserAsync(string user, string realm, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(realm);
        return WriteAsync(async db => await db.KeyDeleteAsync([UserKey(realm, user), UserPasswordKey(realm, user)]).ConfigureAwait(false) > 0, ct);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string User, string Realm)>> ListUsersAsync(string? realm, CancellationToken ct = default)
    {
        string pattern = realm is null ? RealmPrefix + "*/user/*/key" : $"{RealmPrefix}{EscapeGlob(realm)}/user/*/key";
        var result = new List<(string User, string Realm)>();
        foreach (string key in await ScanAsync(pattern, ct).ConfigureAwait(false))
        {
            if (ParseUserKey(key, realm) is { } parsed)
            {
                result.Add(parsed);
            }
        }

        return [.. result.OrderBy(r => r.Realm, Utf8Order.Instance).ThenBy(r => r.User, Utf8Order.Instance)];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string Secret, string Realm)>> ListSecretsAsync(string? realm, CancellationToken ct = default)
    {
        IReadOnlyList<(string Realm, string Key)> sets = realm is not null
            ? [(realm, SecretKey(realm))]
            : [.. (await ScanAsync(RealmPrefix + "*/secret", ct).ConfigureAwait(false)).Select(k => (Realm: Middle(k, RealmPrefix, "/secret"), Key: k))];
        var members = await SetMembersAsync(sets.Select(s => s.Key).ToList(), ct).ConfigureAwait(false);
        var result = new List<(string Secret, string Realm)>();
        for (int i = 0; i < sets.Count; i++)
        {
            result.AddRange(members[i].Select(m => (m, sets[i].Realm)));
        }

        return [.. result.OrderBy(r => r.Realm, Utf8Order.Instance).ThenBy(r => r.Secret, Utf8Order.Instance)];
    }

    /// <inheritdoc />
    public Task AddSecretAsync(string realm, string secret, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(secret);
        return WriteAsync(db => db.SetAddAsync(SecretKey(realm), secret), ct);
    }

    /// <inheritdoc />
    public Task<bool> DeleteSecretAsync(string realm, string secret, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(secret);
        return WriteAsync(db => db.SetRemoveAsync(SecretKey(realm), secret), ct);
    }

    /// <inheritdoc />
    public Task<int> DeleteAllSecretsAsync(string realm, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(realm);
        return WriteAsync(
            async db =>
            {
                ITransaction tx = db.CreateTransaction();
                Task<long> count = tx.SetLengthAsync(SecretKey(realm));
                _ = tx.KeyDeleteAsync(SecretKey(realm));
                await tx.ExecuteAsync().ConfigureAwait(false);
                return (int)await count.ConfigureAwait(false);
            },
            ct);
    }

    /// <inheritdoc />
    public Task AddOriginAsync(string origin, string realm, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(realm);
        return WriteAsync(db => db.StringSetAsync(OriginPrefix + origin, realm), ct);
    }

    /// <inheritdoc />
    public Task<bool> DeleteOriginAsync(string origin, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return WriteAsync(db => db.KeyDeleteAsync(OriginPrefix + origin), ct);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string Origin, string Realm)>> ListOriginsAsync(string? realm, CancellationToken ct = default)
    {
        List<string> keys = await ScanAsync(OriginPrefix + "*", ct).ConfigureAwait(false);
        RedisValue[] realms = keys.Count == 0
            ? []
            : await CallAsync(db => db.StringGetAsync([.. keys.Select(k => (RedisKey)k)]), ct).ConfigureAwait(false);
        var result = new List<(string Origin, string Realm)>();
        for (int i = 0; i < keys.Count; i++)
        {
            if (!realms[i].IsNull && (realm is null || (string?)realms[i] == realm))
            {
                result.Add((keys[i][OriginPrefix.Length..], (string)realms[i]!));
            }
        }

        return [.. result.OrderBy(r => r.Realm, Utf8Order.Instance).ThenBy(r => r.Origin, Utf8Order.Instance)];
    }

    /// <inheritdoc />
    public Task SetRealmOptionAsync(string realm, string option, ulong value, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(realm);
        if (!RealmOptionNames.IsKnown(option))
        {
            throw new ArgumentException($"Unknown realm option '{option}' (max-bps, total-quota or user-quota).", nameof(option));
        }

        string key = RealmOptionKey(realm, option);
        return value == 0
            ? WriteAsync(db => db.KeyDeleteAsync(key), ct)
            : WriteAsync(db => db.StringSetAsync(key, value.ToString(CultureInfo.InvariantCulture)), ct);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string Realm, string Option, string Value)>> ListRealmOptionsAsync(string? realm, CancellationToken ct = default)
    {
        string[] names = [RealmOptionNames.MaxBps, RealmOptionNames.TotalQuota, RealmOptionNames.UserQuota];
        var candidates = new List<(string Realm, string Option, string Key)>();
        if (realm is not null)
        {
            candidates.AddRange(names.Select(o => (realm, o, RealmOptionKey(realm, o))));
        }
        else
        {
            foreach (string option in names)
            {
                foreach (string key in await ScanAsync($"{RealmPrefix}*/{option}", ct).ConfigureAwait(false))
                {
                    candidates.Add((Middle(key, RealmPrefix, "/" + option), option, key));
                }
            }
        }

        RedisValue[] values = candidates.Count == 0 ? [] : await CallAsync(db => GetStringsAsync(db, candidates.Select(c => c.Key).ToList()), ct).ConfigureAwait(false);
        var result = new List<(string Realm, string Option, string Value)>();
        for (int i = 0; i < candidates.Count; i++)
        {
            if (!values[i].IsNull)
            {
                result.Add((candidates[i].Realm, candidates[i].Option, (string)values[i]!));
            }
        }

        return [.. result.OrderBy(r => r.Realm, Utf8Order.Instance).ThenBy(r => r.Option, Utf8Order.Instance)];
    }

    /// <inheritdoc />
    public Task SetAdminUserAsync(string name, string realm, string passwordHash, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(passwordHash);
        return WriteAsync(
            async db =>
            {
                // Replace the whole hash: coturn's HMSET would leave an old realm field behind.
                ITransaction tx = db.CreateTransaction();
                _ = tx.KeyDeleteAsync(AdminPrefix + name);
                _ = tx.HashSetAsync(AdminPrefix + name, realm.Length > 0 ? [new("realm", realm), new("password", passwordHash)] : [new("password", passwordHash)]);
                return await tx.ExecuteAsync().ConfigureAwait(false);
            },
            ct);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAdminUserAsync(string name, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return WriteAsync(db => db.KeyDeleteAsync(AdminPrefix + name), ct);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AdminUser>> ListAdminUsersAsync(CancellationToken ct = default)
    {
        List<string> keys = await ScanAsync(AdminPrefix + "*", ct).ConfigureAwait(false);
        var result = new List<AdminUser>();
        if (keys.Count > 0)
        {
            HashEntry[]?[] hashes = await CallAsync(
                async db =>
                {
                    IBatch batch = db.CreateBatch();
                    var tasks = keys.Select(k => Tolerant(batch.HashGetAllAsync(k))).ToList();
                    batch.Execute();
                    return await Task.WhenAll(tasks).ConfigureAwait(false);
                },
                ct).ConfigureAwait(false);
            for (int i = 0; i < keys.Count; i++)
            {
                if (hashes[i] is { } fields && ToAdmin(keys[i][AdminPrefix.Length..], fields) is { } admin)
                {
                    result.Add(admin with { PasswordHash = string.Empty });
                }
            }
        }

        return [.. result.OrderBy(a => a.Realm, Utf8Order.Instance).ThenBy(a => a.Name, Utf8Order.Instance)];
    }

    // ------------------------------------------------------------------ plumbing

    private static Dictionary<string, string> ToMap(HashEntry[] fields)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (HashEntry f in fields)
        {
            map[(string)f.Name!] = (string?)f.Value ?? string.Empty;
        }

        return map;
    }

    // coturn's redis_get_admin_user: a hash without a "password" field is no admin user.
    private static AdminUser? ToAdmin(string name, HashEntry[] fields)
    {
        var map = ToMap(fields);
        return map.TryGetValue("password", out string? password) ? new AdminUser(name, map.GetValueOrDefault("realm", string.Empty), password) : null;
    }

    private static (string User, string Realm)? ParseUserKey(string key, string? realm)
    {
        if (!key.StartsWith(RealmPrefix, StringComparison.Ordinal) || !key.EndsWith("/key", StringComparison.Ordinal))
        {
            return null;
        }

        string inner = key[RealmPrefix.Length..^"/key".Length]; // <realm>/user/<user>
        if (realm is not null)
        {
            string head = realm + "/user/";
            return inner.StartsWith(head, StringComparison.Ordinal) ? (inner[head.Length..], realm) : null;
        }

        int sep = inner.IndexOf("/user/", StringComparison.Ordinal);
        return sep < 0 ? null : (inner[(sep + "/user/".Length)..], inner[..sep]);
    }

    private static string Middle(string key, string prefix, string suffix) => key[prefix.Length..^suffix.Length];

    private async Task<IReadOnlyList<PeerIpRange>> PeerIpsAsync(string kind, string? realm, CancellationToken ct)
    {
        string suffix = $"/{kind}-peer-ip";
        IReadOnlyList<(string Realm, string Key)> sets = realm is not null
            ? [(realm, PeerIpKey(realm, kind))]
            : [.. (await ScanAsync($"{RealmPrefix}*{suffix}", ct).ConfigureAwait(false)).Select(k => (Realm: Middle(k, RealmPrefix, suffix), Key: k))];
        var members = await SetMembersAsync(sets.Select(s => s.Key).ToList(), ct).ConfigureAwait(false);
        var result = new List<PeerIpRange>();
        for (int i = 0; i < sets.Count; i++)
        {
            result.AddRange(members[i].Select(m => new PeerIpRange(sets[i].Realm, m)));
        }

        return result;
    }

    // SMEMBERS of several sets in one round trip; a key of another type counts as empty (coturn logs and skips it).
    private async Task<List<string>[]> SetMembersAsync(IReadOnlyList<string> keys, CancellationToken ct)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        RedisValue[]?[] sets = await CallAsync(
            async db =>
            {
                IBatch batch = db.CreateBatch();
                var tasks = keys.Select(k => Tolerant(batch.SetMembersAsync(k))).ToList();
                batch.Execute();
                return await Task.WhenAll(tasks).ConfigureAwait(false);
            },
            ct).ConfigureAwait(false);
        return [.. sets.Select(s => s is null ? new List<string>() : s.Select(m => (string)m!).ToList())];
    }

    private static async Task<RedisValue[]> GetStringsAsync(IDatabase db, IReadOnlyList<string> keys)
    {
        IBatch batch = db.CreateBatch();
        var tasks = keys.Select(k => Tolerant(batch.StringGetAsync(k))).ToList();
        batch.Execute();
        return await Task.WhenAll(tasks).ConfigureAwait(false); // default(RedisValue) is null
    }

    // A WRONGTYPE answer for one key of a listing: skip that key.
    private static async Task<T?> Tolerant<T>(Task<T> task)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            return default;
        }
    }

    // SCAN (IServer.Keys pages through SCAN cursors) of the one server; runs on the pool, as the client pages synchronously.
    private Task<List<string>> ScanAsync(string pattern, CancellationToken ct)
        => Guard(
            Task.Run(
                () =>
                {
                    EndPoint[] endPoints = _mux.GetEndPoints();
                    IServer server = _mux.GetServer(endPoints[0]);
                    var keys = new List<string>();
                    foreach (RedisKey key in server.Keys(_database, pattern, ScanPageSize))
                    {
                        ct.ThrowIfCancellationRequested();
                        keys.Add((string)key!);
                    }

                    return keys;
                },
                ct),
            ct,
            scan: true);

    private Task<T> CallAsync<T>(Func<IDatabase, Task<T>> call, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Task<T> task;
        try
        {
            task = call(Db);
        }
        catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException or ObjectDisposedException)
        {
            return Task.FromException<T>(Failure(e));
        }

        return Guard(task, ct, scan: false);
    }

    private async Task<T> WriteAsync<T>(Func<IDatabase, Task<T>> write, CancellationToken ct)
    {
        T result = await CallAsync(write, ct).ConfigureAwait(false);
        if (_saveAfterWrite)
        {
            try
            {
                // coturn's turnadmin SAVEs after each change; a background save does not block the server. It fails
                // when one is already running (or saving is forbidden): the data is in memory all the same.
                IServer server = _mux.GetServer(_mux.GetEndPoints()[0]);
                await server.SaveAsync(SaveType.BackgroundSave).WaitAsync(_timeout, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
            }
        }

        return result;
    }

    private async Task<T> Guard<T>(Task<T> task, CancellationToken ct, bool scan)
    {
        try
        {
            // A scan pages on its own, each page with the client's timeout: no overall limit but the caller's token.
            return scan ? await task.WaitAsync(ct).ConfigureAwait(false) : await task.WaitAsync(_timeout, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException or ObjectDisposedException or InvalidOperationException or IOException or OperationCanceledException)
        {
            throw Failure(e);
        }
    }

    private UserDbException Failure(Exception e) => e is TimeoutException and not RedisTimeoutException
        ? new UserDbException($"{Description}: no answer within {_timeout.TotalSeconds:0.#} s")
        : Redaction.Wrap(Description, e, _password);

    /// <summary>Orders strings by their UTF-8 bytes (= by code points), as SQL backends with a binary collation do.</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null)
            {
                return x is null ? (y is null ? 0 : -1) : 1;
            }

            var a = x.EnumerateRunes();
            var b = y.EnumerateRunes();
            while (true)
            {
                bool ha = a.MoveNext();
                bool hb = b.MoveNext();
                if (!ha || !hb)
                {
                    return ha ? 1 : hb ? -1 : 0;
                }

                int c = a.Current.Value.CompareTo(b.Current.Value);
                if (c != 0)
                {
                    return c;
                }
            }
        }
    }
}
