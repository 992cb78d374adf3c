using Turn.Protocol;

namespace Turn.Server.Relay;

/// <summary>One relayed transport address of an allocation (a dual-stack allocation has two).</summary>
internal sealed class RelayEndpoint
{
    public RelayEndpoint(int relayId, StunAddress bound, StunAddress advertised)
    {
        RelayId = relayId;
        Bound = bound;
        Advertised = advertised;
    }

    /// <summary>The transport's handle for the relay socket.</summary>
    public int RelayId { get; }

    /// <summary>The address the socket is bound to.</summary>
    public StunAddress Bound { get; }

    /// <summary>What clients are told (XOR-RELAYED-ADDRESS): the bound address after external-ip mapping.</summary>
    public StunAddress Advertised { get; }
}
