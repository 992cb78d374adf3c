using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Server.Transports;

/// <summary>
/// One client TCP connection owned by a worker: the start of a message that arrived only in part,
/// and what could not be sent yet. An idle connection holds no input buffer: bytes are read into
/// the worker's scratch buffer and framed there; only an incomplete message is kept, in a buffer
/// from the worker's <see cref="PartialFramePool"/>, until it is complete. Output is bounded: past
/// <see cref="MaxPendingBytes"/> whole messages are dropped (a slow reader loses relayed data as it
/// would over UDP, and the server never buffers without limit); a message is never cut, so the
/// stream's framing survives.
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
        LastMessageMs = nowMs;
    }

    public Socket Socket { get; }

    public int Fd { get; }

    public PacketContext Context { get; }

    /// <summary>The first <see cref="Buffered"/> bytes of a message not complete yet (nothing after it); null when none is pending.</summary>
    public byte[]? Partial { get; set; }

    public int Buffered { get; set; }

    /// <summary>When the first byte of <see cref="Partial"/> arrived (the message deadline counts from it).</summary>
    public long PartialSinceMs { get; set; }

    /// <summary>
    /// While the worker hands frames to the engine: the buffer they are in and how much of it holds
    /// received bytes (RFC 6062: what follows a ConnectionBind goes with the connection).
    /// </summary>
    public ReadOnlySpan<byte> Unread => Reading.AsSpan(0, ReadingLength);

    public byte[]? Reading { get; set; }

    public int ReadingLength { get; set; }

    /// <summary>Messages waiting to be written, in order; the first is written from <see cref="HeadOffset"/>.</summary>
    public Queue<byte[]> Pending { get; } = new();

    public int HeadOffset { get; set; }

    public int PendingBytes { get; set; }

    public bool WantsWrite { get; set; }

    /// <summary>When the connection was accepted: max-allocate-timeout counts from here.</summary>
    public long AcceptedAtMs { get; }

    /// <summary>When it was accepted or last completed a message (the idle timeout counts from it; partial bytes do not move it).</summary>
    public long LastMessageMs { get; set; }

    public Action? OnClosed { get; set; }

    /// <summary>
    /// The worker let go of it without closing it (RFC 6062: moved to the worker owning the allocation,
    /// or bound as a client data connection); the bytes after the current frame went with it.
    /// </summary>
    public bool Detached { get; set; }
}
