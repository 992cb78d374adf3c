namespace Turn.Server.Transports;

/// <summary>Bounds on what TCP and TLS clients can make the server hold.</summary>
public sealed record TcpListenerLimits
{
    /// <summary>Connections open at once, over all sources.</summary>
    public int MaxConnections { get; init; } = 20000;

    /// <summary>
    /// Connections open at once from one source (--max-connections-per-source): an IPv4 address, or an
    /// IPv6 /64 (<see cref="Turn.Protocol.SourcePrefix"/>).
    /// </summary>
    public int MaxConnectionsPerSource { get; init; } = 256;

    /// <summary>
    /// --max-allocate-timeout: a client connection that has had no allocation for this long (since it
    /// was accepted, or since its allocation ended) is closed, whatever it sends meanwhile (coturn's
    /// "allocation watchdog").
    /// </summary>
    public TimeSpan AllocateTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A message whose first byte arrived must be complete within this long, or the connection is
    /// closed: a client dribbling bytes holds its buffer and its slot for no more than this. A real
    /// client writes each STUN/ChannelData message (at most 64 KiB) in one go; 10 s leaves room for
    /// several TCP retransmissions on a lossy link (the initial RTO is 1 s, doubling) without letting a
    /// slow-read attacker hold memory for long.
    /// </summary>
    public TimeSpan MessageTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
