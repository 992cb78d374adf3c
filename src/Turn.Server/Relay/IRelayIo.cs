using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Server.Relay;

/// <summary>
/// What a worker's transport does for its engine. Every call is made on the worker's own thread;
/// implementations need no locks for it.
/// </summary>
public interface IRelayIo
{
    /// <summary>Sends to a client through the listener or connection the context names.</summary>
    void SendToClient(in PacketContext client, ReadOnlySpan<byte> data);

    /// <summary>Sends to a peer from a relay socket.</summary>
    void SendToPeer(int relayId, in StunAddress peer, ReadOnlySpan<byte> data);

    /// <summary>
    /// Opens a UDP relay socket bound to <paramref name="address"/> (IP and port) and starts
    /// receiving on it; peer datagrams come back through the engine's OnPeerPacket with the id.
    /// </summary>
    bool TryOpenUdpRelay(in StunAddress address, bool dontFragment, out int relayId, out SocketError error);

    /// <summary>Closes a relay socket; its id may be reused afterwards.</summary>
    void CloseRelay(int relayId);

    /// <summary>Runs <paramref name="work"/> on the worker thread soon (from any thread).</summary>
    void Post(Action work);

    // ---- RFC 6062 TCP relays -------------------------------------------------------------------

    /// <summary>This worker's number among the server's workers (0-255): the top byte of the CONNECTION-IDs it issues.</summary>
    int WorkerIndex { get; }

    /// <summary>
    /// Opens a TCP relay: a listening socket bound to <paramref name="address"/> (IP and port) that lets
    /// outgoing connections share its port. Peers' connections come back through the engine's
    /// OnTcpPeerAccepted with the id; <see cref="CloseRelay"/> closes it.
    /// </summary>
    bool TryOpenTcpRelay(in StunAddress address, out int relayId, out SocketError error);

    /// <summary>
    /// Starts connecting (without blocking) from the TCP relay's address to <paramref name="peer"/>; the
    /// outcome comes back through the engine's OnTcpPeerConnected with <paramref name="connection"/>.
    /// What the peer sends is held (bounded) until a client data connection is bound.
    /// </summary>
    bool TryConnectTcpPeer(int relayId, in StunAddress peer, out int connection);

    /// <summary>Closes a peer data connection and the client data connection bound to it, if any. The handle may be reused afterwards.</summary>
    void CloseTcpPeer(int connection);

    /// <summary>
    /// Makes the client connection that sent <paramref name="request"/> (a ConnectionBind, already answered)
    /// the data connection of <paramref name="connection"/>: from now on bytes move as they are both ways,
    /// starting with what the peer sent meanwhile and whatever followed the request on the connection.
    /// </summary>
    bool TryBindTcpClient(in PacketContext client, ReadOnlySpan<byte> request, int connection);

    /// <summary>
    /// Moves the client connection that sent <paramref name="request"/> to worker <paramref name="worker"/>
    /// and hands the request to that worker's engine (a ConnectionBind for a connection that worker owns).
    /// False when there is no such worker or the connection cannot move.
    /// </summary>
    bool TryHandOver(in PacketContext client, ReadOnlySpan<byte> request, int worker);
}
