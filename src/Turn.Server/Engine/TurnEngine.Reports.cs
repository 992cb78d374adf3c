using Turn.Server.Auth;
using Turn.Server.Relay;

namespace Turn.Server.Engine;

/// <summary>Allocation events for <see cref="IAllocationObserver"/> (coturn's status reports), and allocation ids.</summary>
public sealed partial class TurnEngine
{
    /// <summary>coturn publishes an allocation's traffic each time 4096 more packets have passed (both sides, both directions).</summary>
    public const ulong TrafficReportPackets = 4096;

    /// <summary>coturn's session ids: 10^15 per server thread, then a counter.</summary>
    private const ulong AllocationIdsPerEngine = 1_000_000_000_000_000UL;

    private ulong _allocationIdBase = ulong.MaxValue;
    private ulong _allocationCount;

    /// <summary>A new allocation id: this engine's base (its index × 10^15, like coturn's per-thread ids) plus a counter.</summary>
    private ulong NextAllocationId()
    {
        if (_allocationIdBase == ulong.MaxValue)
        {
            _allocationIdBase = (ulong)_services.NextEngineIndex() * AllocationIdsPerEngine;
        }

        return _allocationIdBase + (++_allocationCount % AllocationIdsPerEngine);
    }

    /// <summary>The limits of a realm the directory knows; null = the server's (the default realm's) limits.</summary>
    private RealmLimits? LimitsOf(string realm) => _services.Realms.TryGetLimits(realm, out RealmLimits limits) ? limits : null;

    /// <summary>Created / Refreshed, with the granted lifetime.</summary>
    private void ReportLifetime(Allocation allocation, AllocationEventKind kind, uint lifetime)
    {
        if (_services.AllocationObserver is { } observer)
        {
            observer.OnAllocationEvent(NewEvent(allocation, kind, lifetime));
        }
    }

    /// <summary>On the tick: the traffic of an allocation that moved another <see cref="TrafficReportPackets"/> packets.</summary>
    private void ReportTrafficIfDue(Allocation allocation)
    {
        if (_services.AllocationObserver is { } observer && allocation.Traffic.Packets - allocation.ReportedTraffic.Packets >= TrafficReportPackets)
        {
            AllocationEvent e = NewEvent(allocation, AllocationEventKind.Traffic, 0);
            allocation.ReportedTraffic = allocation.Traffic;
            observer.OnAllocationEvent(e);
        }
    }

    /// <summary>The allocation ended: its last interval and its totals.</summary>
    private void ReportDeleted(Allocation allocation)
    {
        if (_services.AllocationObserver is { } observer)
        {
            AllocationEvent e = NewEvent(allocation, AllocationEventKind.Deleted, 0);
            allocation.ReportedTraffic = allocation.Traffic;
            observer.OnAllocationEvent(e);
        }
    }

    private AllocationEvent NewEvent(Allocation allocation, AllocationEventKind kind, uint lifetime) => new()
    {
        Kind = kind,
        AllocationId = allocation.Id,
        Realm = allocation.Realm,
        Username = allocation.Session?.Username ?? string.Empty,
        Lifetime = lifetime,
        Transport = allocation.Client.Transport,
        Local = allocation.Client.Local,
        Client = allocation.Client.Client,
        Interval = allocation.Traffic - allocation.ReportedTraffic,
        Total = allocation.Traffic,
    };
}
