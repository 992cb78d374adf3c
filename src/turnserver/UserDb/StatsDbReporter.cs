using System.Threading.Channels;
using Turn.Server;
using Turn.Server.Relay;
using Turn.UserDb;
using Turn.UserDb.Redis;

namespace Turn.Daemon.UserDb;

/// <summary>
/// --redis-statsdb: writes allocation statuses and traffic to coturn's Redis status database, in coturn 4.6.1's
/// layout (<see cref="CoturnStatsLayout"/>). The engines hand events over on their worker threads; they go into a
/// bounded queue (never waited on: a full queue drops the event) that one background task drains into Redis.
/// While Redis is unreachable events are dropped with a warning at most every <see cref="WarningInterval"/>, and
/// the connection is retried with backoff; allocations and relaying never depend on it.
/// </summary>
internal sealed class StatsDbReporter : IAllocationObserver, IAsyncDisposable
{
    public const int QueueCapacity = 16384;
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(30);

    /// <summary>A status key outlives its allocation's lifetime by this much, so a server that dies leaves no status for long.</summary>
    public static readonly TimeSpan StatusExpiryMargin = TimeSpan.FromSeconds(60);

    /// <summary>The longest wait between two connection attempts.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    private const int BatchSize = 256;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly string _connectionString;
    private readonly IServerLog _log;
    private readonly Channel<AllocationEvent> _queue = Channel.CreateBounded<AllocationEvent>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _connecting;
    private readonly Task _loop;
    private long _dropped;
    private long _droppedWhenFull;
    private long _lastWarningMs = long.MinValue;
    private RedisStatsDatabase? _db;

    public StatsDbReporter(string connectionString, IServerLog log)
    {
        _connectionString = connectionString;
        _log = log;
        Description = RedisStatsDatabase.Describe(connectionString);
        _connecting = Task.Run(ConnectAsync);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>For logs: where the statistics go, never the password.</summary>
    public string Description { get; }

    /// <summary>Called on a worker thread: queue and return (a full queue drops the event; the loop warns).</summary>
    public void OnAllocationEvent(AllocationEvent e)
    {
        if (!_queue.Writer.TryWrite(e))
        {
            Interlocked.Increment(ref _droppedWhenFull);
        }
    }

    /// <summary>Stops taking events, writes what is queued (for at most <paramref name="flushFor"/>), closes the connection.</summary>
    public async Task StopAsync(TimeSpan flushFor)
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(flushFor).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            if (_queue.Reader.Count > 0)
            {
                _log.Warning($"redis-statsdb: {Description}: {_queue.Reader.Count} status event(s) not written at shutdown");
            }
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Cancel();
        try
        {
            await Task.WhenAll(_loop, _connecting).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (Interlocked.Exchange(ref _db, null) is { } db)
        {
            await db.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);

    private async Task RunAsync()
    {
        ChannelReader<AllocationEvent> reader = _queue.Reader;
        var batch = new List<AllocationEvent>(BatchSize);
        var writes = new List<Task>(BatchSize * 2);
        while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < BatchSize && reader.TryRead(out AllocationEvent? e))
            {
                batch.Add(e);
            }

            Drop((int)Math.Min(Interlocked.Exchange(ref _droppedWhenFull, 0), int.MaxValue), "the queue was full");

            RedisStatsDatabase? db = Volatile.Read(ref _db);
            if (db is null || !db.IsConnected)
            {
                Drop(batch.Count, "not connected");
                continue;
            }

            writes.Clear();
            foreach (AllocationEvent e in batch)
            {
                writes.Add(WriteAsync(db, e));
            }

            try
            {
                await Task.WhenAll(writes).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Drop(writes.Count(t => !t.IsCompletedSuccessfully), e.Message);
            }
        }
    }

    /// <summary>Connects with backoff until it works (or the reporter stops); then removes stale statuses once, as coturn does at start.</summary>
    private async Task ConnectAsync()
    {
        TimeSpan delay = TimeSpan.FromMilliseconds(500);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                RedisStatsDatabase db = await RedisStatsDatabase.OpenAsync(_connectionString, ConnectTimeout, CommandTimeout, _stop.Token).ConfigureAwait(false);
                int stale = await db.DeleteStatusKeysAsync(_stop.Token).ConfigureAwait(false);
                Volatile.Write(ref _db, db);
                _log.Info($"redis-statsdb: {db.Description} is available{(stale > 0 ? $"; {stale} stale allocation status key(s) deleted" : string.Empty)}");
                return;
            }
            catch (UserDbException e)
            {
                _log.Error($"redis-statsdb: {e.Message}; allocation statuses are not written until it is reachable (retrying)");
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    /// <summary>One event as coturn writes it: status SET+PUBLISH, or traffic PUBLISHes, or the deletion sequence.</summary>
    private static Task WriteAsync(RedisStatsDatabase db, AllocationEvent e)
    {
        string user = e.Username;
        switch (e.Kind)
        {
            case AllocationEventKind.Created:
            case AllocationEventKind.Refreshed:
                return db.SetStatusAsync(
                    CoturnStatsLayout.StatusKey(e.Realm, user, e.AllocationId),
                    StatusValue(e, e.Kind == AllocationEventKind.Created ? "new" : "refreshed"),
                    TimeSpan.FromSeconds(e.Lifetime) + StatusExpiryMargin);
            case AllocationEventKind.Traffic:
                return Task.WhenAll(
                    db.PublishAsync(CoturnStatsLayout.TrafficChannel(e.Realm, user, e.AllocationId, total: false, peer: false), ClientSide(e.Interval)),
                    db.PublishAsync(CoturnStatsLayout.TrafficChannel(e.Realm, user, e.AllocationId, total: false, peer: true), PeerSide(e.Interval)));
            default:
                // coturn's order: the last interval, the status deletion, then the totals.
                return Task.WhenAll(
                    db.PublishAsync(CoturnStatsLayout.TrafficChannel(e.Realm, user, e.AllocationId, total: false, peer: false), ClientSide(e.Interval)),
                    db.PublishAsync(CoturnStatsLayout.TrafficChannel(e.Realm, user, e.AllocationId, total: false, peer: true), PeerSide(e.Interval)),
                    db.DeleteStatusAsync(CoturnStatsLayout.StatusKey(e.Realm, user, e.AllocationId)),
                    db.PublishAsync(CoturnStatsLayout.TrafficChannel(e.Realm, user, e.AllocationId, total: true, peer: false), ClientSide(e.Total)),
                    db.PublishAsync(CoturnStatsLayout.TrafficChannel(e.Realm, user, e.AllocationId, total: true, peer: true), PeerSide(e.Total)));
        }
    }

    private static string StatusValue(AllocationEvent e, string status)
    {
        (string type, bool tls) = e.Transport switch
        {
            TransportKind.Tcp => ("TCP", false),
            TransportKind.Tls => ("TLS/TCP", true),
            TransportKind.Dtls => ("DTLS", true),
            _ => ("UDP", false),
        };

        // The engine does not see the TLS session; coturn names its version and cipher here.
        string secure = tls ? "UNKNOWN" : "NONE";
        return CoturnStatsLayout.StatusValue(status, e.Lifetime, type, e.Local.Unmapped().ToString(), e.Client.Unmapped().ToString(), secure, secure);
    }

    private static string ClientSide(in TrafficCounters t) =>
        CoturnStatsLayout.TrafficMessage(t.ClientReceivedPackets, t.ClientReceivedBytes, t.ClientSentPackets, t.ClientSentBytes);

    private static string PeerSide(in TrafficCounters t) =>
        CoturnStatsLayout.TrafficMessage(t.PeerReceivedPackets, t.PeerReceivedBytes, t.PeerSentPackets, t.PeerSentBytes);

    /// <summary>
    /// Counts dropped events (called by the background loop only); warns at once, then at most every
    /// <see cref="WarningInterval"/> with the count since.
    /// </summary>
    private void Drop(int count, string why)
    {
        if (count <= 0)
        {
            return;
        }

        _dropped += count;
        long now = Environment.TickCount64;
        if (_lastWarningMs != long.MinValue && now - _lastWarningMs < WarningInterval.TotalMilliseconds)
        {
            return;
        }

        _lastWarningMs = now;
        _log.Warning($"redis-statsdb: {Description}: {_dropped} allocation status event(s) dropped ({why})");
        _dropped = 0;
    }
}
