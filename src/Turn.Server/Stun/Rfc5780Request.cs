using Turn.Protocol;

namespace Turn.Server;

/// <summary>
/// What a Binding request asks through RFC 5780's attributes (CHANGE-REQUEST §7.2, RESPONSE-PORT §7.5,
/// PADDING §7.6), checked against what the address it reached can do. Behaves as coturn 4.6.1:
/// <list type="bullet">
/// <item>CHANGE-REQUEST with no flag set is a plain Binding request; with a flag it needs RFC 5780
/// (else 420, the attribute being unknown to a server that cannot honour it) and UDP (else 400).</item>
/// <item>RESPONSE-PORT and PADDING are refused with 400 on streams (TCP, TLS; PADDING is allowed on
/// DTLS); over UDP without RFC 5780 they are ignored.</item>
/// </list>
/// Two deliberate differences: the PADDING of the answer is as long as the request's (at most 1500
/// bytes), where coturn always sends 1500, so a short request never buys a long answer; and a
/// malformed CHANGE-REQUEST or RESPONSE-PORT gets 400 where coturn ignores it (an answer from the
/// unchanged address would read as "no filtering" to the client).
/// </summary>
internal readonly struct Rfc5780Request
{
    /// <summary>RFC 5780 §7.6: pad to about the MTU; never more than the request carried.</summary>
    public const int MaxPadding = 1500;

    private Rfc5780Request(NatDiscoveryEndpoint? from, ushort responsePort, int padding)
    {
        From = from;
        ResponsePort = responsePort;
        Padding = padding;
    }

    /// <summary>The server address that sends the answer (null: the one the request reached, outside RFC 5780).</summary>
    public NatDiscoveryEndpoint? From { get; }

    /// <summary>RESPONSE-PORT: the client port to answer to; 0 = the request's source port.</summary>
    public ushort ResponsePort { get; }

    /// <summary>Bytes of PADDING for the answer; 0 = none.</summary>
    public int Padding { get; }

    /// <summary>
    /// Reads the request's RFC 5780 attributes. Returns 0 and the plan in <paramref name="plan"/>, or
    /// the error code to answer with (400 or 420, the latter about CHANGE-REQUEST) and its reason.
    /// </summary>
    /// <param name="here">The map entry for the address the request reached; null when RFC 5780 is off there.</param>
    public static int Read(in StunMessage request, in PacketContext context, NatDiscoveryEndpoint? here, out Rfc5780Request plan, out string? reason)
    {
        plan = new Rfc5780Request(here, 0, 0);
        reason = null;
        NatDiscoveryEndpoint? from = here;
        ushort responsePort = 0;
        int padding = 0;
        bool udp = context.Transport == TransportKind.Udp;

        if (request.TryGetAttribute(StunAttributeType.ChangeRequest, out ReadOnlySpan<byte> change))
        {
            if (!StunAttributeReader.TryReadChangeRequest(change, out bool changeIp, out bool changePort))
            {
                reason = "Malformed CHANGE-REQUEST";
                return StunErrorCode.BadRequest;
            }

            if (changeIp || changePort)
            {
                if (here is null)
                {
                    reason = "CHANGE-REQUEST not supported: RFC 5780 is off";
                    return StunErrorCode.UnknownAttribute;
                }

                if (!udp)
                {
                    reason = "CHANGE-REQUEST applies to UDP only";
                    return StunErrorCode.BadRequest;
                }

                from = here.Changed(changeIp, changePort);
                if (from is null || from.UdpSocketId < 0)
                {
                    reason = "CHANGE-REQUEST not supported: no UDP listener on the changed address";
                    return StunErrorCode.UnknownAttribute;
                }
            }
        }

        if (request.TryGetAttribute(StunAttributeType.ResponsePort, out ReadOnlySpan<byte> port))
        {
            if (!udp)
            {
                reason = "RESPONSE-PORT applies to UDP only";
                return StunErrorCode.BadRequest;
            }

            if (here is not null)
            {
                if (!StunAttributeReader.TryReadResponsePort(port, out responsePort) || responsePort == 0)
                {
                    reason = "Malformed RESPONSE-PORT";
                    return StunErrorCode.BadRequest;
                }
            }
        }

        if (request.TryGetAttribute(StunAttributeType.Padding, out ReadOnlySpan<byte> requestPadding))
        {
            if (!udp && context.Transport != TransportKind.Dtls)
            {
                reason = "PADDING applies to UDP and DTLS only";
                return StunErrorCode.BadRequest;
            }

            if (here is not null)
            {
                padding = Math.Min((requestPadding.Length + 3) & ~3, MaxPadding);
            }
        }

        plan = new Rfc5780Request(from, responsePort, padding);
        return 0;
    }

    /// <summary>Where the answer goes: from <see cref="From"/>'s socket, to the client (at <see cref="ResponsePort"/> if given).</summary>
    public PacketContext ReplyContext(in PacketContext context)
    {
        StunAddress client = ResponsePort != 0 ? context.Client.WithPort(ResponsePort) : context.Client;
        return From is { } from && from.UdpSocketId >= 0 && context.Transport == TransportKind.Udp
            ? context with { Client = client, Local = from.Local, SocketId = from.UdpSocketId }
            : context with { Client = client };
    }

    /// <summary>RESPONSE-ORIGIN / SOURCE-ADDRESS: the address the answer leaves from, as advertised.</summary>
    public StunAddress Origin(in PacketContext context) => From?.Advertised ?? context.Local;
}
