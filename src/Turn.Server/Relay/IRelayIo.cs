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
}
