using Turn.Protocol;
using Turn.Security;
using Turn.Server.Relay;

namespace Turn.Server.Engine;

public sealed partial class TurnEngine
{
    /// <summary>
    /// Re-checks this worker's permissions, channel bindings and RFC 6062 peer connections against the peer filter
    /// in force (<see cref="TurnEngineServices.PeerFilter"/>) and removes those it now refuses: a permission or a
    /// channel is dropped (so the peer can no longer reach the client either), a TCP peer connection is closed (a
    /// pending Connect gets 403). Runs by itself on the first tick after the filter is replaced; call it only on the
    /// worker's thread. Returns how many were removed.
    /// </summary>
    /// <remarks>
    /// A permission names an IP only, so one for an address of this server refused only as
    /// <see cref="PeerDecision.LocalInterface"/> stays: that refusal depends on the port, which Send indications and
    /// ChannelData are checked with on every packet.
    /// </remarks>
    public int RevalidatePeers()
    {
        PeerAddressFilter filter = _services.PeerFilter;
        int removed = 0;
        List<TcpRelayConnection>? refused = null;
        foreach (Allocation allocation in _allocations.Values)
        {
            removed += allocation.RevokeRefusedPeers(filter);
            if (allocation.Tcp is { Count: > 0 } connections)
            {
                foreach (TcpRelayConnection c in connections.All)
                {
                    if (!filter.IsAllowed(c.Peer))
                    {
                        (refused ??= []).Add(c);
                    }
                }
            }
        }

        foreach (TcpRelayConnection c in refused ?? [])
        {
            Forget(c);
            _io.CloseTcpPeer(c.Handle);
            if (c.State == TcpRelayState.Connecting)
            {
                AnswerConnect(c, StunErrorCode.Forbidden);
            }

            removed++;
        }

        if (removed > 0)
        {
            _services.Log.Info($"peer policy changed: {removed} permission(s), channel(s) and TCP peer connection(s) to peers it refuses removed");
        }

        return removed;
    }

    /// <summary>The peer filter's decision on <paramref name="peer"/>, logged (at debug) with its reason when it is a refusal.</summary>
    private bool PeerAllowed(in StunAddress peer, StunMethod method, in PacketContext context)
    {
        PeerDecision decision = _services.PeerFilter.Check(peer);
        if (decision == PeerDecision.Allowed)
        {
            return true;
        }

        if (_services.Log.IsDebugEnabled)
        {
            _services.Log.Debug($"{method} from {context.Client}: peer {peer} refused ({decision})");
        }

        return false;
    }
}
