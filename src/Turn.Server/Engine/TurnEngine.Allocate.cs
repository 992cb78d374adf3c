using System.Net.Sockets;
using Turn.Protocol;
using Turn.Server.Auth;
using Turn.Server.Relay;

namespace Turn.Server.Engine;

public sealed partial class TurnEngine
{
    private const byte ProtocolUdp = 17;
    private const byte ProtocolTcp = 6;
    private const int MaxBindAttempts = 64;

    /// <summary>Allocate request: RFC 8656 §7.2 (receiving an Allocate request), RFC 6156 for address families.</summary>
    private void OnAllocate(in StunMessage request, ReadOnlySpan<byte> packet, in PacketContext context)
    {
        _allocations.TryGetValue(FiveTuple.Of(context), out Allocation? existing);

        // §7.2 step 1: long-term credentials.
        if (!TryAuthenticate(request, packet, context, existing, out SessionCredentials? session))
        {
            return;
        }

        // Step 2: the 5-tuple is already in use. A retransmission (same transaction) gets the
        // original answer again (RFC 8656 §7.2: "the server SHOULD respond with the same response").
        if (existing is not null)
        {
            if (existing.AllocateResponse is not null && request.TransactionId.SequenceEqual(existing.AllocateTransactionId))
            {
                _io.SendToClient(context, existing.AllocateResponse);
            }
            else
            {
                Error(request, context, StunErrorCode.AllocationMismatch, session);
            }

            return;
        }

        // Step 3: REQUESTED-TRANSPORT must be present and be UDP, or TCP (RFC 6062 §5.1).
        if (!request.TryGetAttribute(StunAttributeType.RequestedTransport, out ReadOnlySpan<byte> transport)
            || !StunAttributeReader.TryReadRequestedTransport(transport, out byte protocol))
        {
            Error(request, context, StunErrorCode.BadRequest, session);
            return;
        }

        bool tcpRelay = protocol == ProtocolTcp && !_options.NoTcpRelay;
        if ((protocol != ProtocolUdp || _options.NoUdpRelay) && !tcpRelay)
        {
            Error(request, context, StunErrorCode.UnsupportedTransportProtocol, session);
            return;
        }

        // RFC 6062 §5.1: a TCP relay only for a TCP/TLS client connection, and never with DONT-FRAGMENT,
        // EVEN-PORT or RESERVATION-TOKEN (400).
        if (tcpRelay && (!context.IsStream || request.HasAttribute(StunAttributeType.DontFragment)
            || request.HasAttribute(StunAttributeType.EvenPort) || request.HasAttribute(StunAttributeType.ReservationToken)))
        {
            Error(request, context, StunErrorCode.BadRequest, session);
            return;
        }

        // Step 4: DONT-FRAGMENT is supported (the relay socket sets the DF bit).
        bool dontFragment = request.HasAttribute(StunAttributeType.DontFragment);

        // Steps 5-6: RESERVATION-TOKEN excludes EVEN-PORT and the family attributes. EVEN-PORT with a
        // dual allocation applies to the IPv4 relay (coturn's clients send both).
        bool hasToken = request.TryGetAttribute(StunAttributeType.ReservationToken, out ReadOnlySpan<byte> tokenValue);
        bool hasEven = request.TryGetAttribute(StunAttributeType.EvenPort, out ReadOnlySpan<byte> evenValue);
        bool hasFamily = request.TryGetAttribute(StunAttributeType.RequestedAddressFamily, out ReadOnlySpan<byte> familyValue);
        bool hasAdditional = request.TryGetAttribute(StunAttributeType.AdditionalAddressFamily, out ReadOnlySpan<byte> additionalValue);

        // coturn 4.6.1 and its clients number ADDITIONAL-ADDRESS-FAMILY / ADDRESS-ERROR-CODE from a
        // draft (0x8032 / 0x8033); answer such a client in its own numbering.
        bool legacyDual = !hasAdditional
            && request.TryGetAttribute(StunAttributeType.LegacyAdditionalAddressFamily, out additionalValue);
        hasAdditional |= legacyDual;
        bool reserveNext = false;
        ulong token = 0;
        if ((hasToken && (hasEven || hasFamily || hasAdditional))
            || (hasFamily && hasAdditional)
            || (hasEven && !StunAttributeReader.TryReadEvenPort(evenValue, out reserveNext))
            || (hasToken && !StunAttributeReader.TryReadReservationToken(tokenValue, out token)))
        {
            Error(request, context, StunErrorCode.BadRequest, session);
            return;
        }

        // RFC 6156 §4.2 / RFC 8656 §7.2: which families to relay.
        StunAddressFamily primary = DefaultFamily(context);
        bool dual = false;
        if (hasFamily)
        {
            if (!StunAttributeReader.TryReadAddressFamily(familyValue, out primary))
            {
                Error(request, context, StunErrorCode.AddressFamilyNotSupported, session);
                return;
            }
        }
        else if (hasAdditional)
        {
            // ADDITIONAL-ADDRESS-FAMILY may only ask for IPv6 on top of the default IPv4.
            if (!StunAttributeReader.TryReadAddressFamily(additionalValue, out StunAddressFamily extra) || extra != StunAddressFamily.IPv6)
            {
                Error(request, context, StunErrorCode.BadRequest, session);
                return;
            }

            primary = StunAddressFamily.IPv4;
            dual = true;
        }

        // Step 7/8: quotas (486), those of the session's realm.
        string? user = session?.Username;
        string realm = session?.Realm ?? _options.Realm;
        RealmLimits? limits = LimitsOf(realm);
        if (!_services.Quotas.TryAdd(realm, user, limits))
        {
            Error(request, context, StunErrorCode.AllocationQuotaReached, session);
            return;
        }

        // coturn's --bps-capacity: a session with a bandwidth limit reserves it from the server's total;
        // 486 when nothing is left (a nearly used-up total gives the session what is left).
        long maxBps = limits?.MaxBps ?? _services.MaxBps;
        long grantedBps = _services.Bandwidth.TryReserve(maxBps);
        if (maxBps > 0 && grantedBps == 0)
        {
            _services.Quotas.Remove(realm, user);
            Error(request, context, StunErrorCode.AllocationQuotaReached, session);
            return;
        }

        var allocation = new Allocation(context, session, grantedBps, NowMs) { DontFragment = dontFragment, ReservedBps = grantedBps, Id = NextAllocationId(), Realm = realm, Origin = _options.CheckOriginConsistency ? _services.Realms.FirstOrigin(request) : null, Tcp = tcpRelay ? new TcpRelayConnections() : null };
        RelayEndpoint? first;
        ulong reservation = 0;
        if (hasToken)
        {
            first = _services.Ports.TryTakeReserved(token, NowMs, out StunAddress reserved) ? OpenRelayAt(reserved, dontFragment) : null;
        }
        else
        {
            first = OpenRelay(primary, context, hasEven, reserveNext, dontFragment, out reservation, tcpRelay);
        }

        if (first is null)
        {
            _services.Quotas.Remove(realm, user);
            _services.Bandwidth.Release(grantedBps);
            bool noAddress = !hasToken && !TryChooseRelayIp(primary, context, out _);
            Error(request, context, noAddress ? StunErrorCode.AddressFamilyNotSupported : StunErrorCode.InsufficientCapacity, session);
            return;
        }

        Attach(allocation, first);
        int secondError = 0;
        if (dual)
        {
            RelayEndpoint? second = OpenRelay(StunAddressFamily.IPv6, context, even: false, reserveNext: false, dontFragment, out _, tcpRelay);
            if (second is null)
            {
                secondError = TryChooseRelayIp(StunAddressFamily.IPv6, context, out _) ? StunErrorCode.InsufficientCapacity : StunErrorCode.AddressFamilyNotSupported;
            }
            else
            {
                Attach(allocation, second);
            }
        }

        uint lifetime = Lifetime(request, allowZero: false);
        if (session is { MaxLifetimeSeconds: > 0 } limited)
        {
            lifetime = Math.Min(lifetime, limited.MaxLifetimeSeconds);
        }

        allocation.ExpiresAtMs = NowMs + (lifetime * 1000L);
        _allocations[allocation.Key] = allocation;

        // Step 9: the success response.
        var w = Begin(request, StunClass.SuccessResponse);
        if (allocation.IPv4 is { } v4)
        {
            w.AddXorAddress(StunAttributeType.XorRelayedAddress, v4.Advertised);
        }

        if (allocation.IPv6 is { } v6)
        {
            w.AddXorAddress(StunAttributeType.XorRelayedAddress, v6.Advertised);
        }

        if (secondError != 0)
        {
            if (legacyDual)
            {
                Span<byte> value = stackalloc byte[4];
                value[0] = (byte)StunAddressFamily.IPv6;
                value[2] = (byte)(secondError / 100);
                value[3] = (byte)(secondError % 100);
                w.AddAttribute(StunAttributeType.LegacyAddressErrorCode, value);
            }
            else
            {
                w.AddAddressErrorCode(StunAddressFamily.IPv6, secondError);
            }
        }

        w.AddLifetime(lifetime);
        if (reservation != 0)
        {
            w.AddReservationToken(reservation);
        }

        w.AddXorAddress(StunAttributeType.XorMappedAddress, context.Client);
        Finish(ref w, request, context, session);
        request.TransactionId.CopyTo(allocation.AllocateTransactionId);
        allocation.AllocateResponse = w.Overflowed ? null : w.Written.ToArray();
        ReportLifetime(allocation, AllocationEventKind.Created, lifetime);
        if (_services.Log.IsDebugEnabled)
        {
            _services.Log.Debug($"allocation for {context.Client} ({user ?? "anonymous"}): relay {allocation.IPv4?.Bound}{(allocation.IPv6 is null ? "" : " " + allocation.IPv6.Bound)}, lifetime {lifetime}s");
        }
    }

    private void Attach(Allocation allocation, RelayEndpoint relay)
    {
        if (relay.Bound.IsIPv4)
        {
            allocation.IPv4 = relay;
        }
        else
        {
            allocation.IPv6 = relay;
        }

        RegisterRelay(relay.RelayId, allocation);
        MarkRelayPortLive(relay, live: true);
    }

    private StunAddressFamily DefaultFamily(in PacketContext context) => _options.DefaultFamily switch
    {
        DefaultRelayFamily.IPv6 => StunAddressFamily.IPv6,
        DefaultRelayFamily.Keep => context.Local.Unmapped().IsIPv6 ? StunAddressFamily.IPv6 : StunAddressFamily.IPv4,
        _ => StunAddressFamily.IPv4,
    };

    /// <summary>
    /// The IP a relay of <paramref name="family"/> binds to: a relay-ip of that family (in turn),
    /// else the address the client reached, else any listening address of that family.
    /// </summary>
    private bool TryChooseRelayIp(StunAddressFamily family, in PacketContext context, out StunAddress ip)
    {
        IReadOnlyList<StunAddress> configured = _options.RelayAddresses;
        for (int i = 0; i < configured.Count; i++)
        {
            StunAddress candidate = configured[(_relayRoundRobin + i) % configured.Count];
            if (IsFamily(candidate, family))
            {
                _relayRoundRobin = (_relayRoundRobin + i + 1) % configured.Count;
                ip = candidate.WithPort(0);
                return true;
            }
        }

        if (configured.Count == 0)
        {
            StunAddress local = context.Local.Unmapped();
            if (IsFamily(local, family))
            {
                ip = local.WithPort(0);
                return true;
            }

            foreach (StunAddress listening in _services.ListeningAddresses)
            {
                if (IsFamily(listening, family))
                {
                    ip = listening.WithPort(0);
                    return true;
                }
            }
        }

        ip = default;
        return false;
    }

    private static bool IsFamily(in StunAddress a, StunAddressFamily family) =>
        family == StunAddressFamily.IPv4 ? a.IsIPv4 : a.IsIPv6 && !a.IsIPv4MappedToIPv6;

    /// <summary>
    /// Takes a port from the pool and binds a relay socket (UDP, or a TCP listening socket when
    /// <paramref name="tcp"/>), trying again if another process holds the port.
    /// </summary>
    private RelayEndpoint? OpenRelay(StunAddressFamily family, in PacketContext context, bool even, bool reserveNext, bool dontFragment, out ulong reservation, bool tcp = false)
    {
        reservation = 0;
        if (!TryChooseRelayIp(family, context, out StunAddress ip))
        {
            return null;
        }

        // Ports another process holds stay marked as taken until this search ends, so the random
        // choice cannot land on them again.
        Span<ushort> busy = stackalloc ushort[MaxBindAttempts];
        int busyCount = 0;
        RelayEndpoint? opened = null;
        for (int attempt = 0; attempt < MaxBindAttempts && opened is null; attempt++)
        {
            if (!_services.Ports.TryTake(ip, even, reserveNext, NowMs, out ushort port, out ulong token))
            {
                break;
            }

            StunAddress address = ip.WithPort(port);
            if (tcp ? _io.TryOpenTcpRelay(address, out int relayId, out SocketError error) : _io.TryOpenUdpRelay(address, dontFragment, out relayId, out error))
            {
                reservation = token;
                opened = new RelayEndpoint(relayId, address, Advertise(address));
                break;
            }

            busy[busyCount++] = port;
            if (token != 0)
            {
                _services.Ports.TryTakeReserved(token, NowMs, out StunAddress held);
                _services.Ports.Release(held);
            }

            if (error != SocketError.AddressAlreadyInUse)
            {
                _services.Log.Warning($"cannot open relay socket on {address}: {error}");
                break;
            }
        }

        for (int i = 0; i < busyCount; i++)
        {
            _services.Ports.Release(ip.WithPort(busy[i]));
        }

        return opened;
    }

    private RelayEndpoint? OpenRelayAt(in StunAddress address, bool dontFragment)
    {
        if (_io.TryOpenUdpRelay(address, dontFragment, out int relayId, out _))
        {
            return new RelayEndpoint(relayId, address, Advertise(address));
        }

        _services.Ports.Release(address);
        return null;
    }

    /// <summary>external-ip: "public" applies to every relay address of its family, "public/private" to that one.</summary>
    private StunAddress Advertise(in StunAddress bound)
    {
        foreach (ExternalAddress mapping in _options.ExternalAddresses)
        {
            bool applies = mapping.Private.IsEmpty
                ? mapping.Public.IsIPv4 == bound.IsIPv4
                : mapping.Private.EqualsAddress(bound);
            if (applies)
            {
                return mapping.Public.WithPort(bound.Port);
            }
        }

        return bound;
    }

    /// <summary>
    /// RFC 8656 §7.2 step 9 / §7.3: the requested LIFETIME capped at max-allocate-lifetime, never
    /// below the default; absent = the default. Refresh may ask for 0 (delete).
    /// </summary>
    private uint Lifetime(in StunMessage request, bool allowZero)
    {
        uint max = (uint)Math.Max(1, _options.MaxAllocateLifetimeSeconds);
        uint fallback = Math.Min((uint)_options.DefaultLifetimeSeconds, max);
        if (!request.TryGetUInt32(StunAttributeType.Lifetime, out uint requested))
        {
            return fallback;
        }

        if (requested == 0 && allowZero)
        {
            return 0;
        }

        return Math.Min(Math.Max(requested, fallback), max);
    }
}
