namespace Turn.Security;

/// <summary>
/// The ports of this server's live relay endpoints, shared by every worker: a peer at one of the server's own
/// addresses is allowed on these ports only (two clients of one server relaying to each other is normal WebRTC:
/// each side's remote candidate is the other's relayed address). Lock-free and allocation-free.
/// </summary>
/// <remarks>
/// Counted per port, not per (IP, port): a relay port is taken from min-port..max-port, which the operator keeps for
/// the relay, so a port live on one relay IP stands for all of the server's addresses.
/// </remarks>
public sealed class LiveRelayPorts
{
    private readonly int[] _count = new int[65536];

    /// <summary>A relay endpoint on <paramref name="port"/> opened.</summary>
    public void Add(ushort port) => Interlocked.Increment(ref _count[port]);

    /// <summary>A relay endpoint on <paramref name="port"/> closed.</summary>
    public void Remove(ushort port)
    {
        if (Interlocked.Decrement(ref _count[port]) < 0)
        {
            // Unbalanced Remove: never leave a negative count that would hide a later Add.
            Interlocked.Exchange(ref _count[port], 0);
        }
    }

    /// <summary>True while at least one relay endpoint of this server uses <paramref name="port"/>.</summary>
    public bool IsLive(ushort port) => port != 0 && Volatile.Read(ref _count[port]) > 0;
}
