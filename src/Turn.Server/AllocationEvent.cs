using Turn.Protocol;
using Turn.Server.Relay;

namespace Turn.Server;

/// <summary>What happened to an allocation (coturn's status reports).</summary>
public enum AllocationEventKind
{
    /// <summary>Created by an Allocate; <see cref="AllocationEvent.Lifetime"/> is the granted lifetime.</summary>
    Created,

    /// <summary>A Refresh; <see cref="AllocationEvent.Lifetime"/> is the new lifetime (0 when the client deletes it).</summary>
    Refreshed,

    /// <summary>Traffic since the last report (coturn reports every 4096 packets); see <see cref="AllocationEvent.Interval"/>.</summary>
    Traffic,

    /// <summary>Ended (refresh with lifetime 0, expiry, client connection closed, shutdown); carries the last interval and the totals.</summary>
    Deleted,
}

/// <summary>One allocation event, made when it happens (never per packet) and handed to <see cref="IAllocationObserver"/>.</summary>
public sealed class AllocationEvent
{
    public required AllocationEventKind Kind { get; init; }

    /// <summary>The allocation's id, unique in this process (coturn's session id: 18 decimal digits).</summary>
    public required ulong AllocationId { get; init; }

    /// <summary>The session's realm (the default realm, or the one its ORIGIN selected).</summary>
    public required string Realm { get; init; }

    /// <summary>The authenticated user; empty without authentication.</summary>
    public required string Username { get; init; }

    /// <summary>Granted lifetime in seconds (Created, Refreshed).</summary>
    public uint Lifetime { get; init; }

    /// <summary>How the client reaches the server.</summary>
    public TransportKind Transport { get; init; }

    /// <summary>The server address the client talks to.</summary>
    public StunAddress Local { get; init; }

    /// <summary>The client's address as the server sees it.</summary>
    public StunAddress Client { get; init; }

    /// <summary>Traffic since the previous Traffic event (Traffic, Deleted).</summary>
    public TrafficCounters Interval { get; init; }

    /// <summary>Traffic over the allocation's whole life (Deleted).</summary>
    public TrafficCounters Total { get; init; }
}
