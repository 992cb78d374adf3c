using StackExchange.Redis;
using Turn.UserDb.Sql;

namespace Turn.UserDb.Redis;

/// <summary>
/// coturn's Redis status and statistics database (<c>-O/--redis-statsdb</c>): the verbs the server needs to keep
/// allocation statuses (SET with an expiry, DEL) and to publish events (PUBLISH), with names and messages from
/// <see cref="CoturnStatsLayout"/>. One multiplexed connection; after a successful open the client reconnects by
/// itself when the server goes away, and commands fail fast meanwhile (<see cref="UserDbException"/>).
/// </summary>
public sealed class RedisStatsDatabase : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _mux;
    private readonly int _database;
    private readonly TimeSpan _timeout;
    private readonly string? _password;

    private RedisStatsDatabase(ConnectionMultiplexer mux, int database, TimeSpan timeout, string description, string? password)
    {
        _mux = mux;
        _database = database;
        _timeout = timeout;
        _password = password;
        Description = description;
    }

    /// <summary>For logs: endpoint and database, never the password.</summary>
    public string Description { get; }

    /// <summary>True while the connection is up.</summary>
    public bool IsConnected => _mux.IsConnected;

    private IDatabase Db => _mux.GetDatabase(_database);

    /// <summary>The description of the database <paramref name="connectionString"/> names (for logs before it is opened).</summary>
    /// <exception cref="UserDbException">The connection string is malformed.</exception>
    public static string Describe(string connectionString) =>
        "Redis " + RedisConnectionInfo.Describe(RedisConnectionInfo.ToConfigurationOptions(connectionString, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)));

    /// <summary>Connects (coturn's connection string, as for <c>--redis-userdb</c>) and checks the database answers.</summary>
    /// <exception cref="UserDbException">The string is malformed, or the server cannot be reached or refuses us.</exception>
    public static async Task<RedisStatsDatabase> OpenAsync(string connectionString, TimeSpan defaultConnectTimeout, TimeSpan commandTimeout, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ConfigurationOptions options = RedisConnectionInfo.ToConfigurationOptions(connectionString, defaultConnectTimeout, commandTimeout);
        options.AllowAdmin = false;
        options.ClientName = "turn-dotnet-stats";
        string description = "Redis " + RedisConnectionInfo.Describe(options);
        var connectTimeout = TimeSpan.FromMilliseconds(options.ConnectTimeout);

        // A refused port is known at once; StackExchange.Redis 1.2.6 would retry until its connect timeout.
        using (var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            cts.CancelAfter(connectTimeout);
            try
            {
                await probe.ConnectAsync(options.EndPoints[0], cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new UserDbException($"{description}: no connection within {connectTimeout.TotalSeconds:0.#} s");
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new UserDbException($"{description}: cannot connect ({e.Message})", e);
            }
        }

        Task<ConnectionMultiplexer> connecting = ConnectionMultiplexer.ConnectAsync(options);
        ConnectionMultiplexer mux;
        try
        {
            mux = await connecting.WaitAsync(connectTimeout + TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _ = connecting.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw e is TimeoutException
                ? new UserDbException($"{description}: no connection within {connectTimeout.TotalSeconds:0.#} s")
                : Redaction.Wrap($"{description}: cannot connect", e, options.Password);
        }

        var stats = new RedisStatsDatabase(mux, options.DefaultDatabase ?? 0, commandTimeout, description, options.Password);
        try
        {
            await stats.Guard(stats.Db.KeyExistsAsync(CoturnStatsLayout.Deleted), ct).ConfigureAwait(false); // SELECTs and checks the database
        }
        catch
        {
            await stats.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return stats;
    }

    /// <summary>
    /// Deletes every allocation status key (<see cref="CoturnStatsLayout.StatusKeyPattern"/>), as coturn does at
    /// start: they belong to allocations of a server that did not stop cleanly. Returns how many were deleted.
    /// </summary>
    public async Task<int> DeleteStatusKeysAsync(CancellationToken ct = default)
    {
        var keys = new List<RedisKey>();
        try
        {
            await Task.Run(
                () =>
                {
                    foreach (System.Net.EndPoint endPoint in _mux.GetEndPoints())
                    {
                        IServer server = _mux.GetServer(endPoint);
                        if (server.IsConnected && !server.IsSlave)
                        {
                            keys.AddRange(server.Keys(_database, CoturnStatsLayout.StatusKeyPattern, pageSize: 1000));
                        }
                    }
                },
                ct).WaitAsync(_timeout * 4, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or InvalidOperationException)
        {
            throw Failure(e);
        }

        for (int i = 0; i < keys.Count; i += 500)
        {
            await Guard(Db.KeyDeleteAsync(keys.Skip(i).Take(500).ToArray()), ct).ConfigureAwait(false);
        }

        return keys.Count;
    }

    /// <summary>An allocation's status: SET <paramref name="key"/> (expiring after <paramref name="expiry"/>) and PUBLISH it on the same name.</summary>
    public Task SetStatusAsync(string key, string value, TimeSpan expiry, CancellationToken ct = default)
    {
        IDatabase db = Db;
        return Guard(Task.WhenAll(db.StringSetAsync(key, value, expiry), db.PublishAsync(key, value)), ct);
    }

    /// <summary>An allocation ended: DEL its status key and PUBLISH <c>deleted</c> on it.</summary>
    public Task DeleteStatusAsync(string key, CancellationToken ct = default)
    {
        IDatabase db = Db;
        return Guard(Task.WhenAll(db.KeyDeleteAsync(key), db.PublishAsync(key, CoturnStatsLayout.Deleted)), ct);
    }

    /// <summary>PUBLISH <paramref name="message"/> on <paramref name="channel"/>.</summary>
    public Task PublishAsync(string channel, string message, CancellationToken ct = default) =>
        Guard(Db.PublishAsync(channel, message), ct);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _mux.CloseAsync(allowCommandsToComplete: true).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
        }

        _mux.Dispose();
    }

    private async Task Guard(Task task, CancellationToken ct)
    {
        try
        {
            await task.WaitAsync(_timeout, ct).ConfigureAwait(false);
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
}
