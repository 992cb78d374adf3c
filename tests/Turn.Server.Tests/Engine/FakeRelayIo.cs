using System.Net.Sockets;
using Turn.Protocol;
using Turn.Server;
using Turn.Server.Relay;

namespace Turn.Server.Tests.Engine;

/// <summary>
/// The engine's transport in unit tests: records what the engine sends and which relay sockets it
/// opens. Sockets are not real here; the interop tests run the real transport.
/// </summary>
internal sealed class FakeRelayIo : IRelayIo
{
    public List<(PacketContext To, byte[] Data)> ToClients { get; } = [];

    public List<(int RelayId, StunAddress Peer, byte[] Data)> ToPeers { get; } = [];

    public Dictionary<int, StunAddress> OpenRelays { get; } = [];

    public HashSet<StunAddress> BusyAddresses { get; } = [];

    public Queue<Action> Posted { get; } = new();

    private int _nextId;

    /// <summary>False: count sends without copying them (for allocation measurements).</summary>
    public bool Record { get; set; } = true;

    public int SendCount { get; private set; }

    public void SendToClient(in PacketContext client, ReadOnlySpan<byte> data)
    {
        SendCount++;
        if (Record)
        {
            ToClients.Add((client, data.ToArray()));
        }
    }

    public void SendToPeer(int relayId, in StunAddress peer, ReadOnlySpan<byte> data)
    {
        SendCount++;
        if (Record)
        {
            ToPeers.Add((relayId, peer, data.ToArray()));
        }
    }

    public bool TryOpenUdpRelay(in StunAddress address, bool dontFragment, out int relayId, out SocketError error)
    {
        if (BusyAddresses.Contains(address))
        {
            relayId = -1;
            error = SocketError.AddressAlreadyInUse;
            return false;
        }

        relayId = _nextId++;
        OpenRelays[relayId] = address;
        error = SocketError.Success;
        return true;
    }

    public void CloseRelay(int relayId) => OpenRelays.Remove(relayId);

    public void Post(Action work) => Posted.Enqueue(work);

    public byte[] LastToClient => ToClients[^1].Data;
}
