using System.Security.Cryptography;
using Turn.Protocol;

namespace Turn.Client.Turn;

/// <summary>What a datagram received from the server carries.</summary>
public enum TurnDataKind
{
    /// <summary>Neither ChannelData nor a Data indication (a response, garbage...).</summary>
    None,

    /// <summary>A ChannelData message (RFC 8656 §12.4).</summary>
    ChannelData,

    /// <summary>A Data indication with XOR-PEER-ADDRESS and DATA (RFC 8656 §11.4).</summary>
    DataIndication,
}

/// <summary>
/// Encoders for the client's TURN messages (RFC 8656) into a caller's buffer, signed by a
/// <see cref="TurnAuthenticator"/> when it has a challenge, with FINGERPRINT last; and the decoder of relayed data.
/// Each writer returns the message length; a buffer too small for the message throws <see cref="ArgumentException"/>.
/// </summary>
public static class TurnMessages
{
    /// <summary>REQUESTED-TRANSPORT value of UDP.</summary>
    public const byte ProtocolUdp = 17;

    /// <summary>REQUESTED-TRANSPORT value of TCP.</summary>
    public const byte ProtocolTcp = 6;

    /// <summary>coturn's BANDWIDTH attribute number.</summary>
    public const ushort BandwidthAttribute = 0x8010;

    /// <summary>Fills <paramref name="transactionId"/> (12 bytes) with random bytes.</summary>
    public static void NewTransactionId(Span<byte> transactionId) => RandomNumberGenerator.Fill(transactionId);

    /// <summary>Allocate request (RFC 8656 §7.1).</summary>
    public static int WriteAllocate(Span<byte> destination, ReadOnlySpan<byte> transactionId, TurnAllocateOptions options, TurnAuthenticator? auth, bool fingerprint = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        var w = new StunMessageWriter(destination);
        w.WriteHeader(StunMethod.Allocate, StunClass.Request, transactionId);
        w.AddRequestedTransport(options.Transport);
        if (options.Lifetime is { } lifetime)
        {
            w.AddLifetime(lifetime);
        }

        if (options.ReservationToken is { } token)
        {
            w.AddReservationToken(token);
        }
        else
        {
            if (options.EvenPort is { } reserve)
            {
                w.AddEvenPort(reserve);
            }

            if (options.Dual)
            {
                if (options.DualEncoding == TurnDualAllocationEncoding.CoturnLegacy)
                {
                    ReadOnlySpan<byte> ipv6 = [(byte)StunAddressFamily.IPv6, 0, 0, 0];
                    w.AddAttribute(StunAttributeType.LegacyAdditionalAddressFamily, ipv6);
                }
                else
                {
                    w.AddAdditionalAddressFamily(StunAddressFamily.IPv6);
                }
            }
            else if (options.RequestedFamily is { } family)
            {
                w.AddRequestedAddressFamily(family);
            }
        }

        if (options.Bandwidth is { } bps)
        {
            w.AddUInt32((StunAttributeType)BandwidthAttribute, (uint)Math.Min(bps >> 7, uint.MaxValue));
        }

        if (options.DontFragment)
        {
            w.AddDontFragment();
        }

        return Finish(ref w, options.Origins, auth, fingerprint);
    }

    /// <summary>Refresh request (RFC 8656 §7.1): lifetime 0 deletes the allocation; a family refreshes only that relay.</summary>
    public static int WriteRefresh(Span<byte> destination, ReadOnlySpan<byte> transactionId, uint? lifetime, StunAddressFamily? family, TurnAuthenticator? auth,
        IReadOnlyList<string>? origins = null, bool fingerprint = true)
    {
        var w = new StunMessageWriter(destination);
        w.WriteHeader(StunMethod.Refresh, StunClass.Request, transactionId);
        if (lifetime is { } seconds)
        {
            w.AddLifetime(seconds);
        }

        if (family is { } f)
        {
            w.AddRequestedAddressFamily(f);
        }

        return Finish(ref w, origins, auth, fingerprint);
    }

    /// <summary>CreatePermission request (RFC 8656 §9.1) for one or more peers (only their IP addresses count).</summary>
    public static int WriteCreatePermission(Span<byte> destination, ReadOnlySpan<byte> transactionId, ReadOnlySpan<StunAddress> peers, TurnAuthenticator? auth,
        IReadOnlyList<string>? origins = null, bool fingerprint = true)
    {
        var w = new StunMessageWriter(destination);
        w.WriteHeader(StunMethod.CreatePermission, StunClass.Request, transactionId);
        foreach (StunAddress peer in peers)
        {
            w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
        }

        return Finish(ref w, origins, auth, fingerprint);
    }

    /// <summary>ChannelBind request (RFC 8656 §12.1).</summary>
    public static int WriteChannelBind(Span<byte> destination, ReadOnlySpan<byte> transactionId, ushort channel, in StunAddress peer, TurnAuthenticator? auth,
        IReadOnlyList<string>? origins = null, bool fingerprint = true)
    {
        var w = new StunMessageWriter(destination);
        w.WriteHeader(StunMethod.ChannelBind, StunClass.Request, transactionId);
        w.AddChannelNumber(channel);
        w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
        return Finish(ref w, origins, auth, fingerprint);
    }

    /// <summary>Send indication (RFC 8656 §11.1): XOR-PEER-ADDRESS, DATA, optional DONT-FRAGMENT; never signed.</summary>
    public static int WriteSendIndication(Span<byte> destination, ReadOnlySpan<byte> transactionId, in StunAddress peer, ReadOnlySpan<byte> data,
        bool dontFragment = false, bool fingerprint = true)
    {
        var w = new StunMessageWriter(destination);
        w.WriteHeader(StunMethod.Send, StunClass.Indication, transactionId);
        w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
        w.AddData(data);
        if (dontFragment)
        {
            w.AddDontFragment();
        }

        if (fingerprint)
        {
            w.AddFingerprint();
        }

        return Check(in w);
    }

    /// <summary>
    /// Recognises relayed data: a ChannelData message (channel, data) or a Data indication (peer, data). Padding after
    /// ChannelData (TCP, or UDP senders that pad) is accepted. Never throws.
    /// </summary>
    public static TurnDataKind TryReadData(ReadOnlySpan<byte> datagram, out ushort channel, out StunAddress peer, out ReadOnlySpan<byte> data)
    {
        peer = default;
        if (ChannelData.LooksLikeChannelData(datagram))
        {
            return ChannelData.TryParse(datagram, out channel, out data) ? TurnDataKind.ChannelData : TurnDataKind.None;
        }

        channel = 0;
        data = default;
        if (StunMessage.TryParse(datagram, out StunMessage message) != StunParseStatus.Ok
            || message.Class != StunClass.Indication || message.Method != StunMethod.Data
            || !message.TryGetXorAddress(StunAttributeType.XorPeerAddress, out peer)
            || !message.TryGetAttribute(StunAttributeType.Data, out data))
        {
            return TurnDataKind.None;
        }

        return TurnDataKind.DataIndication;
    }

    private static int Finish(ref StunMessageWriter w, IReadOnlyList<string>? origins, TurnAuthenticator? auth, bool fingerprint)
    {
        if (origins is not null)
        {
            foreach (string origin in origins)
            {
                w.AddOrigin(origin);
            }
        }

        auth?.Sign(ref w);
        if (fingerprint)
        {
            w.AddFingerprint();
        }

        return Check(in w);
    }

    private static int Check(in StunMessageWriter w)
    {
        if (w.Overflowed)
        {
            throw new ArgumentException("The buffer is too small for the message.", "destination");
        }

        return w.Length;
    }
}
