using Turn.Protocol;
using Turn.Server.Auth;
using Turn.Server.Relay;

namespace Turn.Server.Engine;

public sealed partial class TurnEngine
{
    /// <summary>Refresh request: RFC 8656 §7.3 (LIFETIME 0 deletes the allocation at once).</summary>
    private void OnRefresh(in StunMessage request, ReadOnlySpan<byte> packet, in PacketContext context)
    {
        _allocations.TryGetValue(FiveTuple.Of(context), out Allocation? allocation);
        if (!TryAuthenticate(request, packet, context, allocation, out SessionCredentials? session))
        {
            return;
        }

        if (allocation is null)
        {
            Error(request, context, StunErrorCode.AllocationMismatch, session);
            return;
        }

        if (!IsOriginConsistent(request, context, allocation, session))
        {
            return;
        }

        // RFC 8656 §7.3: a REQUESTED-ADDRESS-FAMILY naming a family the allocation lacks → 443.
        if (request.TryGetAttribute(StunAttributeType.RequestedAddressFamily, out ReadOnlySpan<byte> familyValue))
        {
            if (!StunAttributeReader.TryReadAddressFamily(familyValue, out StunAddressFamily family)
                || (family == StunAddressFamily.IPv4 ? allocation.IPv4 : allocation.IPv6) is null)
            {
                Error(request, context, StunErrorCode.PeerAddressFamilyMismatch, session);
                return;
            }
        }

        uint lifetime = Lifetime(request, allowZero: true);
        if (session is { MaxLifetimeSeconds: > 0 } limited)
        {
            lifetime = Math.Min(lifetime, limited.MaxLifetimeSeconds);
        }

        var w = Begin(request, StunClass.SuccessResponse);
        w.AddLifetime(lifetime);
        Finish(ref w, request, context, session);
        ReportLifetime(allocation, AllocationEventKind.Refreshed, lifetime);
        if (lifetime == 0)
        {
            Delete(allocation);
        }
        else
        {
            allocation.ExpiresAtMs = NowMs + (lifetime * 1000L);
        }
    }

    /// <summary>CreatePermission request: RFC 8656 §9.2. All peers are checked before any is installed.</summary>
    private void OnCreatePermission(in StunMessage request, ReadOnlySpan<byte> packet, in PacketContext context)
    {
        _allocations.TryGetValue(FiveTuple.Of(context), out Allocation? allocation);
        if (!TryAuthenticate(request, packet, context, allocation, out SessionCredentials? session))
        {
            return;
        }

        if (allocation is null)
        {
            Error(request, context, StunErrorCode.AllocationMismatch, session);
            return;
        }

        if (!IsOriginConsistent(request, context, allocation, session))
        {
            return;
        }

        // RFC 8656 §9.2: every peer is checked (400/443/403) and counted before any is installed, so a request
        // that would take the allocation past its permission cap installs nothing and gets 508.
        int peers = 0;
        int fresh = 0;
        foreach (StunAttribute attribute in request.GetAttributes())
        {
            if (attribute.Type != (ushort)StunAttributeType.XorPeerAddress)
            {
                continue;
            }

            int code = CheckPeer(attribute.Value, request, context, allocation, out StunAddress checkedPeer);
            if (code != 0)
            {
                Error(request, context, code, session);
                return;
            }

            peers++;
            if (!allocation.HasPermission(checkedPeer, NowMs))
            {
                fresh++; // a peer named twice counts twice: the cap errs on the safe side
            }
        }

        if (peers == 0)
        {
            Error(request, context, StunErrorCode.BadRequest, session);
            return;
        }

        if (!HasRoomForPermissions(allocation, fresh))
        {
            LogCapacity(context, "permissions", _options.MaxPermissionsPerAllocation);
            Error(request, context, StunErrorCode.InsufficientCapacity, session);
            return;
        }

        long expires = NowMs + (_options.PermissionLifetimeSeconds * 1000L);
        foreach (StunAttribute attribute in request.GetAttributes())
        {
            if (attribute.Type == (ushort)StunAttributeType.XorPeerAddress
                && StunAttributeReader.TryReadXorAddress(attribute.Value, request.TransactionId, out StunAddress peer))
            {
                allocation.SetPermission(Security.PeerAddress.Canonicalize(peer), expires);
            }
        }

        var w = Begin(request, StunClass.SuccessResponse);
        Finish(ref w, request, context, session);
    }

    /// <summary>ChannelBind request: RFC 8656 §11.2.</summary>
    private void OnChannelBind(in StunMessage request, ReadOnlySpan<byte> packet, in PacketContext context)
    {
        _allocations.TryGetValue(FiveTuple.Of(context), out Allocation? allocation);
        if (!TryAuthenticate(request, packet, context, allocation, out SessionCredentials? session))
        {
            return;
        }

        if (allocation is null)
        {
            Error(request, context, StunErrorCode.AllocationMismatch, session);
            return;
        }

        if (!IsOriginConsistent(request, context, allocation, session))
        {
            return;
        }

        // RFC 6062: no channels on a TCP allocation (coturn: 400, "Channel bind cannot be used with TCP relay").
        if (allocation.Tcp is not null)
        {
            Error(request, context, StunErrorCode.BadRequest, session);
            return;
        }

        // CHANNEL-NUMBER: RFC 8656 §12's 0x4000-0x4FFF (coturn 4.16+), or RFC 5766's 0x4000-0x7FFF with
        // rfc5766-channel-numbers (coturn 4.6.1's turnutils_uclient picks any of those). 0x5000-0x7FFF still
        // parse as ChannelData either way, so a stream stays framed.
        if (!request.TryGetAttribute(StunAttributeType.ChannelNumber, out ReadOnlySpan<byte> channelValue)
            || !StunAttributeReader.TryReadChannelNumber(channelValue, out ushort channel)
            || !(_options.Rfc5766ChannelNumbers ? ChannelData.IsChannelDataRange(channel) : ChannelData.IsValidChannelNumber(channel))
            || !request.TryGetAttribute(StunAttributeType.XorPeerAddress, out ReadOnlySpan<byte> peerValue))
        {
            if (_services.Log.IsDebugEnabled)
            {
                _services.Log.Debug($"ChannelBind from {context.Client}: missing or invalid CHANNEL-NUMBER / XOR-PEER-ADDRESS");
            }

            Error(request, context, StunErrorCode.BadRequest, session);
            return;
        }

        int code = CheckPeer(peerValue, request, context, allocation, out StunAddress peer);
        if (code != 0)
        {
            Error(request, context, code, session);
            return;
        }

        // §11.2 installs the peer's permission too: it must fit before the channel is bound.
        if (!allocation.HasPermission(peer, NowMs) && !HasRoomForPermissions(allocation, 1))
        {
            LogCapacity(context, "permissions", _options.MaxPermissionsPerAllocation);
            Error(request, context, StunErrorCode.InsufficientCapacity, session);
            return;
        }

        switch (allocation.TryBindChannel(channel, peer, NowMs + (_options.ChannelLifetimeSeconds * 1000L), _options.MaxChannelsPerAllocation, NowMs))
        {
            case ChannelBindResult.Conflict:
                if (_services.Log.IsDebugEnabled)
                {
                    _services.Log.Debug($"ChannelBind from {context.Client}: channel 0x{channel:x4} to {peer} conflicts with an existing binding");
                }

                Error(request, context, StunErrorCode.BadRequest, session);
                return;
            case ChannelBindResult.Full:
                LogCapacity(context, "channels", _options.MaxChannelsPerAllocation);
                Error(request, context, StunErrorCode.InsufficientCapacity, session);
                return;
        }

        // §11.2: binding a channel also installs or refreshes the permission for the peer.
        allocation.SetPermission(peer, NowMs + (_options.PermissionLifetimeSeconds * 1000L));
        var w = Begin(request, StunClass.SuccessResponse);
        Finish(ref w, request, context, session);
    }

    /// <summary>
    /// Validates one XOR-PEER-ADDRESS: 400 if unreadable, 443 if the allocation has no relay of its
    /// family, 403 if the peer filter refuses it (RFC 8656 §9.2, RFC 6062 §5.2: forbidden by local policy); 0 if fine.
    /// </summary>
    private int CheckPeer(ReadOnlySpan<byte> value, in StunMessage request, in PacketContext context, Allocation allocation, out StunAddress peer)
    {
        if (!StunAttributeReader.TryReadXorAddress(value, request.TransactionId, out StunAddress raw))
        {
            peer = default;
            return StunErrorCode.BadRequest;
        }

        peer = Security.PeerAddress.Canonicalize(raw);
        if (!FamilyMatches(allocation, raw, peer))
        {
            return StunErrorCode.PeerAddressFamilyMismatch;
        }

        return PeerAllowed(peer, request.Method, context) ? 0 : StunErrorCode.Forbidden;
    }

    /// <summary>
    /// RFC 8656 §9.2/§11.2 (443): the attribute's family must be one the allocation relays. An IPv6 spelling of
    /// an IPv4 address (<c>::ffff:a.b.c.d</c>, NAT64, compatible) is IPv6 on the wire, so an IPv4-only allocation
    /// refuses it; it is relayed from the IPv4 relay, so it also needs that one.
    /// </summary>
    private static bool FamilyMatches(Allocation allocation, in StunAddress raw, in StunAddress canonical) =>
        allocation.RelayFor(raw) is not null && allocation.RelayFor(canonical) is not null;

    /// <summary>True when <paramref name="added"/> more permissions fit (expired ones are dropped first if needed).</summary>
    private bool HasRoomForPermissions(Allocation allocation, int added)
    {
        int max = _options.MaxPermissionsPerAllocation;
        if (allocation.PermissionCount + added <= max)
        {
            return true;
        }

        allocation.DropExpiredPermissions(NowMs);
        return allocation.PermissionCount + added <= max;
    }

    private void LogCapacity(in PacketContext context, string what, int max)
    {
        if (_services.Log.IsDebugEnabled)
        {
            _services.Log.Debug($"request from {context.Client} refused with 508: the allocation holds its maximum of {max} {what}");
        }
    }

    /// <summary>check-origin-consistency: false (and 441 sent) when the request's ORIGIN is not the session's.</summary>
    private bool IsOriginConsistent(in StunMessage request, in PacketContext context, Allocation allocation, SessionCredentials? session)
    {
        if (!_options.CheckOriginConsistency || _services.Realms.IsOriginConsistent(request, allocation.Origin))
        {
            return true;
        }

        if (_services.Log.IsDebugEnabled)
        {
            _services.Log.Debug($"{request.Method} from {context.Client}: ORIGIN does not match the session's ({allocation.Origin ?? "none"})");
        }

        Error(request, context, StunErrorCode.WrongCredentials, session);
        return false;
    }
}
