namespace Turn.Server.Transports;

/// <summary>Bounds on what TCP clients can make the server hold.</summary>
public sealed record TcpListenerLimits
{
    /// <summary>Connections open at once, over all sources.</summary>
    public int MaxConnections { get; init; } = 20000;

    /// <summary>Connections open at once from one source IP address.</summary>
    public int MaxConnectionsPerSource { get; init; } = 256;

    /// <summary>A connection that sends no complete message for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
