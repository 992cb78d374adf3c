using Turn.Server;
using Turn.UserDb;

namespace Turn.Daemon.UserDb;

/// <summary>
/// The user database as the server uses it: opened at start if possible, else reopened in the
/// background with backoff, so a database that is down at start or goes away later never stops
/// the server. Queries fail fast (<see cref="UserDbException"/>) while it is unavailable and
/// each query is bounded by <see cref="QueryTimeout"/>.
/// </summary>
internal sealed class DatabaseHandle : IAsyncDisposable
{
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Queries in flight at once. More would not be faster: each needs a connection of its own, and a
    /// burst of first authentications (a cold cache after a restart) would otherwise open dozens of
    /// connections at once (a PostgreSQL backend process each, or a blocked pool thread each with
    /// MySql.Data) and time out while they are being set up. The rest wait their turn, within the timeout.
    /// </summary>
    public const int MaxConcurrentQueries = 8;

    private readonly IUserDatabaseFactory _factory;
    private readonly string _connectionString;
    private readonly IServerLog _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly SemaphoreSlim _slots = new(MaxConcurrentQueries, MaxConcurrentQueries);
    private IUserDatabase? _db;
    private Task? _reconnect;

    public DatabaseHandle(IUserDatabaseFactory factory, string connectionString, string description, IServerLog log)
    {
        EnsurePoolThreads();
        _factory = factory;
        _connectionString = connectionString;
        Description = description;
        _log = log;
    }

    /// <summary>
    /// Drivers without real asynchronous I/O (MySql.Data, Microsoft.Data.Sqlite) hold a pool thread for
    /// each query in flight, and the answers are finished on pool threads too. The pool starts with one
    /// thread per core and adds more only about twice a second when starved: a burst of first
    /// authentications on a one-core server would wait seconds for threads and time out. Have enough
    /// from the start (threads are made only when needed, up to this number without delay).
    /// </summary>
    private static void EnsurePoolThreads()
    {
        const int wanted = (2 * MaxConcurrentQueries) + 4;
        ThreadPool.GetMinThreads(out int workers, out int io);
        if (workers < wanted)
        {
            ThreadPool.SetMinThreads(wanted, io);
        }
    }

    /// <summary>For logs: backend and location, never a password.</summary>
    public string Description { get; }

    public bool IsAvailable => Volatile.Read(ref _db) is not null;

    /// <summary>Tries to open the database once, within <see cref="QueryTimeout"/>; on failure starts reconnecting in the background.</summary>
    public async Task StartAsync()
    {
        if (!await TryOpenAsync().ConfigureAwait(false))
        {
            StartReconnecting();
        }
    }

    public async Task<T> Query<T>(Func<IUserDatabase, CancellationToken, Task<T>> query)
    {
        IUserDatabase db = Volatile.Read(ref _db) ?? throw new UserDbException($"the user database ({Description}) is not available");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(QueryTimeout);
        bool slot = false;
        try
        {
            await _slots.WaitAsync(timeout.Token).ConfigureAwait(false);
            slot = true;
            return await query(db, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            throw new UserDbException($"the user database ({Description}) did not answer within {QueryTimeout.TotalSeconds:0} s");
        }
        catch (UserDbException)
        {
            // Probably a lost connection: check it and reconnect in the background.
            StartReconnecting(checkFirst: db);
            throw;
        }
        finally
        {
            if (slot)
            {
                _slots.Release();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        IUserDatabase? db = Interlocked.Exchange(ref _db, null);
        if (db is not null)
        {
            await db.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<bool> TryOpenAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(QueryTimeout);
        try
        {
            IUserDatabase db = await _factory.OpenAsync(_connectionString, timeout.Token).ConfigureAwait(false);
            await db.PingAsync(timeout.Token).ConfigureAwait(false);
            Volatile.Write(ref _db, db);
            _log.Info($"user database: {Description} is available");
            return true;
        }
        catch (Exception e) when (e is UserDbException or OperationCanceledException)
        {
            _log.Error($"user database: cannot use {Description}: {(e is OperationCanceledException ? "no answer in time" : e.Message)}; allocations already made keep working, new authentications get 500 until it is back");
            return false;
        }
    }

    private void StartReconnecting(IUserDatabase? checkFirst = null)
    {
        lock (_gate)
        {
            if (_reconnect is { IsCompleted: false } || _stop.IsCancellationRequested)
            {
                return;
            }

            _reconnect = Task.Run(() => ReconnectAsync(checkFirst));
        }
    }

    private async Task ReconnectAsync(IUserDatabase? current)
    {
        if (current is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(QueryTimeout);
                await current.PingAsync(timeout.Token).ConfigureAwait(false);
                return; // the failure was not the connection
            }
            catch (Exception e) when (e is UserDbException or OperationCanceledException)
            {
                Interlocked.CompareExchange(ref _db, null, current);
                _log.Error($"user database: lost {Description}; reconnecting");
            }
        }

        TimeSpan delay = TimeSpan.FromMilliseconds(500);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (await TryOpenAsync().ConfigureAwait(false))
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }
}
