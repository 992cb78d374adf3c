using System.Net.Sockets;
using Turn.Protocol;
using Turn.Server.Transports.Tls;

namespace Turn.Server.Transports.TcpRelay;

/// <summary>
/// One peer data connection of a TCP relay (RFC 6062) and, once the client has bound one, its client
/// data connection: the two sockets, and the bounded bytes on their way between them. Owned by one
/// worker; only its thread touches it.
/// </summary>
internal sealed class TcpRelayLink
{
    /// <summary>Per direction: what one side may have sent that the other has not taken yet.</summary>
    public const int BufferBytes = 64 * 1024;

    public TcpRelayLink(int handle, int peerFd, StunAddress peer, bool connecting)
    {
        Handle = handle;
        PeerFd = peerFd;
        Peer = peer;
        Connecting = connecting;
        ToClient = new RelayBuffer(BufferBytes);
    }

    public int Handle { get; }

    /// <summary>The peer socket (a raw descriptor the worker owns); -1 once closed.</summary>
    public int PeerFd { get; set; }

    public StunAddress Peer { get; }

    /// <summary>A connection to the peer in progress (RFC 6062 §5.2): the socket waits for writability.</summary>
    public bool Connecting { get; set; }

    /// <summary>The epoll events the peer socket is registered for.</summary>
    public uint PeerEvents { get; set; }

    /// <summary>The peer has finished sending (FIN): what it sent is delivered, then the link ends.</summary>
    public bool PeerEof { get; set; }

    /// <summary>Peer → client bytes not yet written (also what the peer sends before the bind, §5.2/§5.3).</summary>
    public RelayBuffer? ToClient { get; set; }

    // ---- the client data connection, once bound (plain TCP or TLS) ------------------------------

    public bool IsBound => ClientFd >= 0 || Tls is not null;

    /// <summary>A plain TCP client data connection.</summary>
    public Socket? ClientSocket { get; set; }

    public int ClientFd { get; set; } = -1;

    public uint ClientEvents { get; set; }

    /// <summary>A TLS client data connection (its own read and write loops; the worker sees posted buffers).</summary>
    public TlsConnection? Tls { get; set; }

    /// <summary>The listener's bookkeeping for the client connection (run once when it closes).</summary>
    public Action? ClientOnClosed { get; set; }

    /// <summary>The client has finished sending: what it sent is delivered, then the link ends.</summary>
    public bool ClientEof { get; set; }

    /// <summary>Bytes the client connection still owed when it was bound (the ConnectionBind answer, if the socket was full).</summary>
    public byte[]? ClientPrefix { get; set; }

    public int ClientPrefixOffset { get; set; }

    /// <summary>Client → peer bytes not yet written (plain TCP client).</summary>
    public RelayBuffer? ToPeer { get; set; }

    /// <summary>Client → peer buffers posted by a TLS read loop, not yet written; each is returned and reported delivered when written.</summary>
    public Queue<TlsRawBuffer> TlsToPeer { get; } = new();

    /// <summary>Bytes in <see cref="TlsToPeer"/> not yet written.</summary>
    public int TlsToPeerBytes { get; set; }

    /// <summary>Reading the peer waits until the TLS client's output drains (<see cref="TlsConnection.TryWaitForDrain"/>).</summary>
    public bool PeerWaitsForTls { get; set; }

    /// <summary>The peer finished and the TLS client connection was asked to close once its output is written.</summary>
    public bool TlsClosing { get; set; }

    /// <summary>Distinguishes this link's epoll events from those of an earlier link with the same handle.</summary>
    public ushort Generation { get; init; }

    /// <summary><see cref="HeldBytes"/> as last added to the worker's total.</summary>
    public int Counted { get; set; }

    /// <summary>Bytes this link holds in the worker (both directions).</summary>
    public int HeldBytes => (ToClient?.Count ?? 0) + (ToPeer?.Count ?? 0) + TlsToPeerBytes + (ClientPrefix?.Length ?? 0) - ClientPrefixOffset;
}

/// <summary>A buffer a TLS read loop posted (pooled), with how much of it is left to write.</summary>
internal sealed class TlsRawBuffer(byte[] buffer, int length)
{
    public byte[] Buffer { get; } = buffer;

    /// <summary>The posted length (reported delivered when the whole of it is written).</summary>
    public int Length { get; } = length;

    public int Offset { get; set; }
}
