namespace Turn.Client;

/// <summary>
/// Timing of a client transaction (RFC 8489 §6.2). Over UDP the request is sent up to
/// <see cref="MaxTransmissions"/> (Rc) times, the wait doubling from <see cref="InitialRto"/>; after the last one
/// the client waits <see cref="FinalWaitMultiplier"/> (Rm) × RTO. With the defaults (500 ms, 7, 16) requests go out
/// at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s and the transaction fails at 39.5 s. Over TCP nothing is resent and the
/// transaction fails after <see cref="TcpTimeout"/> (Ti, 39.5 s). <see cref="Timeout"/> caps either.
/// </summary>
public sealed record StunClientOptions
{
    /// <summary>The defaults of RFC 8489.</summary>
    public static StunClientOptions Default { get; } = new();

    /// <summary>RTO: the wait after the first transmission (RFC 8489 default 500 ms).</summary>
    public TimeSpan InitialRto { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Rc: how many times the request is sent over UDP, the first included (default 7).</summary>
    public int MaxTransmissions { get; init; } = 7;

    /// <summary>Rm: the wait after the last transmission, as a multiple of <see cref="InitialRto"/> (default 16).</summary>
    public int FinalWaitMultiplier { get; init; } = 16;

    /// <summary>Ti: how long to wait for the response over TCP, connection set-up included (default 39.5 s).</summary>
    public TimeSpan TcpTimeout { get; init; } = TimeSpan.FromMilliseconds(39_500);

    /// <summary>Optional overall limit for one transaction, shorter than the schedule above; null = the schedule alone.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// The waits after each UDP transmission: RTO, 2·RTO, 4·RTO … and Rm·RTO after the last one.
    /// Their sum is the UDP transaction timeout (before <see cref="Timeout"/> is applied).
    /// </summary>
    public IReadOnlyList<TimeSpan> GetUdpSchedule()
    {
        Validate();
        var waits = new TimeSpan[MaxTransmissions];
        for (int i = 0; i < MaxTransmissions; i++)
        {
            waits[i] = i == MaxTransmissions - 1
                ? InitialRto * FinalWaitMultiplier
                : InitialRto * Math.Pow(2, i);
        }
        return waits;
    }

    /// <summary>
    /// When a UDP transaction without answer fails: the schedule's sum, capped by <see cref="Timeout"/>. Each wait
    /// counts from its own transmission, so a busy machine can only make the real figure longer — except for
    /// <see cref="Timeout"/>, which is an absolute deadline.
    /// </summary>
    public TimeSpan UdpTransactionTimeout
    {
        get
        {
            TimeSpan total = TimeSpan.Zero;
            foreach (TimeSpan w in GetUdpSchedule()) total += w;
            return Timeout is { } cap && cap < total ? cap : total;
        }
    }

    /// <summary>The time after which a TCP transaction fails: <see cref="TcpTimeout"/>, capped by <see cref="Timeout"/>.</summary>
    public TimeSpan TcpTransactionTimeout => Timeout is { } cap && cap < TcpTimeout ? cap : TcpTimeout;

    internal void Validate()
    {
        if (InitialRto <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(InitialRto), InitialRto, "must be positive");
        if (MaxTransmissions < 1) throw new ArgumentOutOfRangeException(nameof(MaxTransmissions), MaxTransmissions, "must be at least 1");
        if (FinalWaitMultiplier < 1) throw new ArgumentOutOfRangeException(nameof(FinalWaitMultiplier), FinalWaitMultiplier, "must be at least 1");
        if (TcpTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(TcpTimeout), TcpTimeout, "must be positive");
        if (Timeout is { } t && t <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Timeout), t, "must be positive");
    }
}
