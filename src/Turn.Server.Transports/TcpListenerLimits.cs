namespace Turn.Server.Transports;

/// <summary>Bounds on what TCP and TLS clients can make the server hold.</summary>
public sealed record TcpListenerLimits
{
    /// <summary>Connections open at once, over all sources.</summary>
    public int MaxConnections { get; init; } = 20000;

    /// <summary>
    /// Connections open at once from one source (--max-connections-per-source), over all the TCP, TLS
    /// and PROXY listeners of a <see cref="ListenerSet"/>: an IPv4 address, or an IPv6 /64
    /// (<see cref="Turn.Protocol.SourcePrefix"/>).
    /// </summary>
    public int MaxConnectionsPerSource { get; init; } = 256;

    /// <summary>
    /// --tcp-idle-timeout: a connection without an allocation that completes no message for this long
    /// is closed. Only whole STUN/ChannelData messages count: bytes of a message that never ends
    /// keep nothing open. With an allocation, the allocation's lifetime decides instead.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// --tcp-message-timeout: a message whose first byte arrived must be complete within this long, or
    /// the connection is closed, allocation or not: a client dribbling bytes holds its buffer and its
    /// slot for no more than this. A real client writes each STUN/ChannelData message (at most 64 KiB)
    /// in one go; 10 s leaves room for several TCP retransmissions on a lossy link (the initial RTO is
    /// 1 s, doubling) without letting a slow sender hold memory for long.
    /// </summary>
    public TimeSpan MessageTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
