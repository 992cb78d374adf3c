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

    public void CloseRelay(int relayId)
    {
        OpenRelays.Remove(relayId);
        TcpRelays.Remove(relayId);
    }

    public void Post(Action work) => Posted.Enqueue(work);

    // ---- RFC 6062: TCP relays (recorded; the real sockets are RelayWorker's) ----------------------

    public int WorkerIndex { get; set; }

    /// <summary>TCP relay listeners by relay id.</summary>
    public Dictionary<int, StunAddress> TcpRelays { get; } = [];

    /// <summary>Peer connections the engine started or accepted and has not closed: handle → peer.</summary>
    public Dictionary<int, StunAddress> TcpPeers { get; } = [];

    public List<int> ClosedTcpPeers { get; } = [];

    /// <summary>Bound client data connections: handle → the client connection.</summary>
    public Dictionary<int, PacketContext> BoundClients { get; } = [];

    public List<(PacketContext Client, int Worker, byte[] Request)> HandOvers { get; } = [];

    /// <summary>False: connections to peers cannot even start (the engine answers 447 at once).</summary>
    public bool CanConnect { get; set; } = true;

    /// <summary>A handle for a peer connection as the transport would create on accept.</summary>
    public int NewTcpPeer(StunAddress peer)
    {
        int handle = 1000 + _nextId++;
        TcpPeers[handle] = peer;
        return handle;
    }

    public bool TryOpenTcpRelay(in StunAddress address, out int relayId, out SocketError error)
    {
        if (BusyAddresses.Contains(address))
        {
            relayId = -1;
            error = SocketError.AddressAlreadyInUse;
            return false;
        }

        relayId = _nextId++;
        OpenRelays[relayId] = address;
        TcpRelays[relayId] = address;
        error = SocketError.Success;
        return true;
    }

    public bool TryConnectTcpPeer(int relayId, in StunAddress peer, out int connection)
    {
        connection = -1;
        if (!CanConnect || !TcpRelays.ContainsKey(relayId))
        {
            return false;
        }

        connection = NewTcpPeer(peer);
        return true;
    }

    public void CloseTcpPeer(int connection)
    {
        if (TcpPeers.Remove(connection))
        {
            BoundClients.Remove(connection);
            ClosedTcpPeers.Add(connection);
        }
    }

    public bool TryBindTcpClient(in PacketContext client, ReadOnlySpan<byte> request, int connection)
    {
        if (!TcpPeers.ContainsKey(connection) || BoundClients.ContainsKey(connection))
        {
            return false;
        }

        BoundClients[connection] = client;
        return true;
    }

    public bool TryHandOver(in PacketContext client, ReadOnlySpan<byte> request, int worker)
    {
        if (worker is < 0 or > 3)
        {
            return false; // a server of four workers in these tests
        }

        HandOvers.Add((client, worker, request.ToArray()));
        return true;
    }

    public byte[] LastToClient => ToClients[^1].Data;
}
