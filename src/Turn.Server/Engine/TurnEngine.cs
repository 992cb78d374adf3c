using System.Security.Cryptography;
using Turn.Protocol;
using Turn.Server.Auth;
using Turn.Server.Relay;

namespace Turn.Server.Engine;

/// <summary>
/// One worker's TURN engine (RFC 8656): its allocations, their permissions and channels, and the
/// handlers for each method (one partial file per method). Only the owning worker thread calls it,
/// so it takes no locks; the data path allocates nothing.
/// </summary>
public sealed partial class TurnEngine
{
    /// <summary>Requests waiting for a database answer, per worker; beyond this new ones get 500.</summary>
    private const int MaxPendingLookups = 1024;

    // Room in front of peer data for a Data indication's header, XOR-PEER-ADDRESS (IPv6) and DATA header.
    public const int PeerDataHeadroom = 64;

    private readonly TurnEngineServices _services;
    private readonly TurnEngineOptions _options;
    private readonly IRelayIo _io;
    private readonly StunRequestProcessor _stun;
    private readonly Dictionary<FiveTuple, Allocation> _allocations = [];
    private Allocation?[] _byRelay = new Allocation?[64];
    private readonly byte[] _response = GC.AllocateUninitializedArray<byte>(Stun.MaxMessageLength + PeerDataHeadroom, pinned: true);
    private CredentialLookup? _prefetched;
    private bool _lookupFailed;
    private int _pendingLookups;
    private uint _indicationCounter;
    private int _relayRoundRobin;
    private int _peerPolicyVersion;

    public TurnEngine(TurnEngineServices services, IRelayIo io, IBindingObserver? bindingObserver = null)
    {
        _services = services;
        _options = services.Options;
        _io = io;
        _stun = new StunRequestProcessor(_options.Stun, bindingObserver);
        _indicationCounter = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
        _peerPolicyVersion = services.PeerPolicyVersion;
    }

    /// <summary>The worker's coarse clock in milliseconds, set by the transport once per wake-up.</summary>
    public long NowMs { get; set; } = Environment.TickCount64;

    public WorkerCounters Counters => _stun.Counters;

    public int AllocationCount => _allocations.Count;

    /// <summary>A packet from a client (UDP datagram, or one framed STUN/ChannelData message from a stream).</summary>
    public void OnClientPacket(ReadOnlySpan<byte> packet, in PacketContext context)
    {
        if (ChannelData.LooksLikeChannelData(packet))
        {
            OnChannelDataFromClient(packet, context);
            return;
        }

        StunParseStatus status = StunMessage.TryParse(packet, out StunMessage message);
        if (status != StunParseStatus.Ok || _options.Stun.StunOnly || !IsTurnMethod(message.Method))
        {
            if (status == StunParseStatus.Malformed && _services.Log.IsDebugEnabled)
            {
                _services.Log.Debug($"malformed STUN message from {context.Client}: {Convert.ToHexString(packet[..Math.Min(packet.Length, 256)])}");
            }

            // (RFC 5780: a Binding answer may leave from another server address or go to another client port.)
            int length = _stun.ProcessParsed(status, message, packet, context, _response, out PacketContext replyTo);
            SendIfAny(length, replyTo);
            return;
        }

        if (message.HasFingerprint && !StunIntegrity.VerifyFingerprint(message))
        {
            _stun.CountDrop(DropReason.BadFingerprint);
            return;
        }

        if (message.Class == StunClass.Indication)
        {
            if (message.Method == StunMethod.Send && !message.HasUnknownComprehensionRequired)
            {
                OnSendIndication(message, context);
            }
            else
            {
                _stun.CountDrop(DropReason.NotARequest);
            }

            return;
        }

        if (message.Class != StunClass.Request)
        {
            _stun.CountDrop(DropReason.NotARequest);
            return;
        }

        // RFC 8489 §6.3.1.1: unknown comprehension-required attributes → 420 listing them.
        if (message.HasUnknownComprehensionRequired)
        {
            Span<ushort> unknown = stackalloc ushort[16];
            int count = message.CopyUnknownComprehensionRequired(unknown);
            var w = Begin(message, StunClass.ErrorResponse);
            w.AddErrorCode(StunErrorCode.UnknownAttribute);
            w.AddUnknownAttributes(unknown[..count]);
            Finish(ref w, message, context, null);
            return;
        }

        switch (message.Method)
        {
            case StunMethod.Allocate:
                OnAllocate(message, packet, context);
                break;
            case StunMethod.Refresh:
                OnRefresh(message, packet, context);
                break;
            case StunMethod.CreatePermission:
                OnCreatePermission(message, packet, context);
                break;
            case StunMethod.ChannelBind:
                OnChannelBind(message, packet, context);
                break;
            case StunMethod.Connect:
                OnConnect(message, packet, context);
                break;
            case StunMethod.ConnectionBind:
                OnConnectionBind(message, packet, context);
                break;
            default:
                Error(message, context, StunErrorCode.BadRequest, null);
                break;
        }
    }

    private static bool IsTurnMethod(StunMethod method) => method is StunMethod.Allocate or StunMethod.Refresh
        or StunMethod.CreatePermission or StunMethod.ChannelBind or StunMethod.Send
        or StunMethod.Connect or StunMethod.ConnectionBind;

    private void SendIfAny(int length, in PacketContext context)
    {
        if (length > 0)
        {
            _io.SendToClient(context, _response.AsSpan(0, length));
        }
    }

    private long UnixNow => _services.UnixSeconds();

    // ---- responses -------------------------------------------------------------------------

    private StunMessageWriter Begin(in StunMessage request, StunClass cls)
    {
        var w = new StunMessageWriter(_response);
        w.WriteHeader(request.Method, cls, request.TransactionId);
        return w;
    }

    /// <summary>Adds SOFTWARE, integrity (for authenticated requests) and FINGERPRINT, then sends.</summary>
    private void Finish(ref StunMessageWriter w, in StunMessage request, in PacketContext context, SessionCredentials? session)
    {
        if (_options.Stun.Software is { } software)
        {
            w.AddSoftware(software);
        }

        if (session is not null)
        {
            Authenticator.AddIntegrity(ref w, session, request.HasMessageIntegritySha256);
        }

        if (request.HasFingerprint || _options.Stun.AlwaysFingerprint)
        {
            w.AddFingerprint();
        }

        if (!w.Overflowed)
        {
            _io.SendToClient(context, w.Written);
        }
    }

    private void Error(in StunMessage request, in PacketContext context, int code, SessionCredentials? session)
    {
        Counters.ErrorResponses++;
        var w = Begin(request, StunClass.ErrorResponse);
        w.AddErrorCode(code);
        Finish(ref w, request, context, session);
    }

    /// <summary>401 or 438 with REALM <paramref name="realm"/>, a fresh NONCE bound to it and PASSWORD-ALGORITHMS (RFC 8489 §9.2.4).</summary>
    private void Challenge(in StunMessage request, in PacketContext context, int code, string realm)
    {
        Counters.ErrorResponses++;
        var w = Begin(request, StunClass.ErrorResponse);
        w.AddErrorCode(code);
        _services.Authenticator!.AddChallenge(ref w, context.Client, UnixNow, realm);
        Finish(ref w, request, context, null);
    }

    // ---- authentication --------------------------------------------------------------------

    /// <summary>
    /// Runs the long-term credential check; false when a response was sent (or the request was
    /// parked for a database answer) and the handler must stop.
    /// </summary>
    private bool TryAuthenticate(in StunMessage request, ReadOnlySpan<byte> packet, in PacketContext context, Allocation? allocation, out SessionCredentials? session)
    {
        session = null;
        Authenticator? auth = _services.Authenticator;
        if (auth is null)
        {
            return true;
        }

        if (_lookupFailed)
        {
            // The credential store could not answer (database down): an error, not a hang.
            Error(request, context, StunErrorCode.ServerError, null);
            return false;
        }

        // The session's realm: the allocation's; for an Allocate, the one its ORIGIN maps to (coturn looks at
        // ORIGIN only there); else the default realm.
        string realm = allocation?.Session?.Realm
            ?? (request.Method == StunMethod.Allocate ? _services.Realms.RealmFor(request, auth.Realm) : auth.Realm);
        AuthOutcome outcome = auth.Authenticate(request, context.Client, UnixNow, ref realm, allocation?.Session, _prefetched, out session, out Task<CredentialLookup>? lookup);
        switch (outcome)
        {
            case AuthOutcome.Ok:
                return true;
            case AuthOutcome.Unauthorized:
                Challenge(request, context, StunErrorCode.Unauthorized, realm);
                return false;
            case AuthOutcome.StaleNonce:
                Challenge(request, context, StunErrorCode.StaleNonce, realm);
                return false;
            case AuthOutcome.WrongRealm:
                // coturn: "wrong credentials: the realm value is incorrect", 437 for an Allocate, else 441.
                Error(request, context, request.Method == StunMethod.Allocate ? StunErrorCode.AllocationMismatch : StunErrorCode.WrongCredentials, null);
                return false;
            case AuthOutcome.WrongCredentials:
                Error(request, context, StunErrorCode.WrongCredentials, null);
                return false;
            case AuthOutcome.Pending:
                Defer(packet, context, lookup!, request);
                return false;
            default:
                if (_services.Log.IsDebugEnabled)
                {
                    _services.Log.Debug($"{request.Method} from {context.Client}: malformed credentials (USERNAME/REALM/NONCE/PASSWORD-ALGORITHM)");
                }

                Error(request, context, StunErrorCode.BadRequest, null);
                return false;
        }
    }

    /// <summary>Parks a request until its key lookup completes, then runs it again on this worker.</summary>
    private void Defer(ReadOnlySpan<byte> packet, in PacketContext context, Task<CredentialLookup> lookup, in StunMessage request)
    {
        if (_pendingLookups >= MaxPendingLookups)
        {
            Error(request, context, StunErrorCode.ServerError, null);
            return;
        }

        _pendingLookups++;
        byte[] copy = packet.ToArray();
        PacketContext saved = context;
        _ = CompleteLater(copy, saved, lookup);
    }

    private async Task CompleteLater(byte[] packet, PacketContext context, Task<CredentialLookup> lookup)
    {
        CredentialLookup? keys;
        try
        {
            keys = await lookup.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _services.Log.Warning($"credential lookup for a request from {context.Client} failed: {e.Message}");
            keys = null;
        }

        _io.Post(() =>
        {
            _pendingLookups--;
            _prefetched = keys;
            _lookupFailed = keys is null;
            try
            {
                OnClientPacket(packet, context);
            }
            finally
            {
                _prefetched = null;
                _lookupFailed = false;
            }
        });
    }

    // ---- bookkeeping -----------------------------------------------------------------------

    private void RegisterRelay(int relayId, Allocation allocation)
    {
        if (relayId >= _byRelay.Length)
        {
            Array.Resize(ref _byRelay, Math.Max(relayId + 1, _byRelay.Length * 2));
        }

        _byRelay[relayId] = allocation;
    }

    /// <summary>The relay endpoint's port is now one a peer at this server's own addresses may use (see <see cref="Security.LiveRelayPorts"/>).</summary>
    private void MarkRelayPortLive(RelayEndpoint relay, bool live)
    {
        Mark(relay.Bound.Port);
        if (relay.Advertised.Port != relay.Bound.Port)
        {
            Mark(relay.Advertised.Port);
        }

        void Mark(ushort port)
        {
            if (live)
            {
                _services.LiveRelayPorts.Add(port);
            }
            else
            {
                _services.LiveRelayPorts.Remove(port);
            }
        }
    }

    private void Delete(Allocation allocation)
    {
        _allocations.Remove(allocation.Key);
        CloseRelay(allocation.IPv4);
        CloseRelay(allocation.IPv6);
        CloseTcpConnections(allocation);
        _services.Quotas.Remove(allocation.Realm, allocation.Session?.Username);
        ReportDeleted(allocation);
        _services.Bandwidth.Release(allocation.ReservedBps);
    }

    private void CloseRelay(RelayEndpoint? relay)
    {
        if (relay is null)
        {
            return;
        }

        _byRelay[relay.RelayId] = null;
        MarkRelayPortLive(relay, live: false);
        _io.CloseRelay(relay.RelayId);
        _services.Ports.Release(relay.Bound);
    }

    /// <summary>Once a second or so: ends expired allocations (closing their sockets) and prunes permissions and channels.</summary>
    public void OnTick()
    {
        int policy = _services.PeerPolicyVersion;
        if (policy != _peerPolicyVersion)
        {
            _peerPolicyVersion = policy;
            RevalidatePeers();
        }

        SweepTcpConnections();
        List<Allocation>? expired = null;
        foreach (Allocation a in _allocations.Values)
        {
            if (a.ExpiresAtMs <= NowMs)
            {
                (expired ??= []).Add(a);
            }
            else
            {
                a.Sweep(NowMs);
                ReportTrafficIfDue(a);
            }
        }

        if (expired is not null)
        {
            foreach (Allocation a in expired)
            {
                Delete(a);
                if (_services.Log.IsDebugEnabled)
                {
                    _services.Log.Debug($"allocation of {a.Client.Client} ({a.Session?.Username ?? "anonymous"}) expired");
                }
            }
        }
    }

    /// <summary>A TCP/TLS client connection ended: its allocation ends with it (RFC 8656 §3.1, RFC 6062 §4).</summary>
    public void OnClientClosed(in PacketContext context)
    {
        if (_allocations.TryGetValue(FiveTuple.Of(context), out Allocation? allocation))
        {
            Delete(allocation);
        }
    }

    /// <summary>True when the client's 5-tuple has an allocation (TCP connections without one are closed).</summary>
    public bool HasAllocation(in PacketContext context) => _allocations.ContainsKey(FiveTuple.Of(context));

    /// <summary>
    /// max-allocate-timeout: how long a client connection may stay open without an allocation (coturn's
    /// TURN_MAX_ALLOCATE_TIMEOUT; 3 s, TURN_MAX_ALLOCATE_TIMEOUT_STUN_ONLY, with stun-only).
    /// </summary>
    public long MaxAllocateTimeoutMs => _options.Stun.StunOnly ? 3000 : _options.MaxAllocateTimeoutSeconds * 1000L;

    /// <summary>Closes every allocation (shutdown).</summary>
    public void Shutdown()
    {
        foreach (Allocation a in _allocations.Values.ToArray())
        {
            Delete(a);
        }
    }
}
