using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Server.Transports;

/// <summary>
/// One client TCP connection owned by a worker: the bytes received but not yet framed, and what
/// could not be sent yet. Output is bounded: past <see cref="MaxPendingBytes"/> whole messages are
/// dropped (a slow reader loses relayed data as it would over UDP, and the server never buffers
/// without limit); a message is never cut, so the stream's framing survives.
/// </summary>
internal sealed class TcpConnection
{
    public const int MaxPendingBytes = 512 * 1024;

    public TcpConnection(Socket socket, int id, StunAddress client, StunAddress local, long nowMs)
    {
        Socket = socket;
        Fd = (int)socket.Handle;
        Context = new PacketContext(client, local, TransportKind.Tcp, id);
        AcceptedAtMs = nowMs;
    }

    public Socket Socket { get; }

    public int Fd { get; }

    public PacketContext Context { get; }

    /// <summary>Received bytes: a STUN message or padded ChannelData frame is at most 20 + 65535 bytes.</summary>
    public byte[] Input { get; } = new byte[Stun.HeaderLength + ushort.MaxValue + 4];

    public int Buffered { get; set; }

    /// <summary>Messages waiting to be written, in order; the first is written from <see cref="HeadOffset"/>.</summary>
    public Queue<byte[]> Pending { get; } = new();

    public int HeadOffset { get; set; }

    public int PendingBytes { get; set; }

    public bool WantsWrite { get; set; }

    /// <summary>When the connection was accepted: max-allocate-timeout counts from here.</summary>
    public long AcceptedAtMs { get; }

    public Action? OnClosed { get; set; }

    /// <summary>
    /// The worker let go of it without closing it (RFC 6062: moved to the worker owning the allocation,
    /// or bound as a client data connection); the bytes after the current frame went with it.
    /// </summary>
    public bool Detached { get; set; }
}
