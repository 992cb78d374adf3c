using Turn.Protocol;
using Turn.Server.Dtls;

namespace Turn.Server.Transports.Dtls;

/// <summary>A worker's DTLS sessions are keyed by the client's address and the listener it talks to.</summary>
internal readonly record struct DtlsPeer(StunAddress Client, int Listener);

/// <summary>
/// One DTLS client on a worker: first a handshake running on its own thread, then (once the
/// worker adopts the result) an established session whose records the worker opens and seals.
/// Owned by the worker thread; the handshake object is the only part another thread touches.
/// </summary>
internal sealed class DtlsSession(DtlsPeer peer, int id, StunAddress local, DtlsHandshake handshake, long nowMs)
{
    public DtlsPeer Peer { get; } = peer;

    public StunAddress Client => Peer.Client;

    /// <summary>The engine's view: Transport = Dtls, SocketId = this session's slot on the worker.</summary>
    public PacketContext Context { get; } = new(peer.Client, local, TransportKind.Dtls, id);

    public int Id => Context.SocketId;

    public DtlsHandshake Handshake { get; } = handshake;

    /// <summary>Null while handshaking.</summary>
    public DtlsRecordProtection? Protection { get; set; }

    public bool IsEstablished => Protection is not null;

    public long CreatedMs { get; } = nowMs;

    public long LastActivityMs { get; set; } = nowMs;

    public long LastFlightResendMs { get; set; }
}
