using Turn.Protocol;

namespace Turn.Server;

/// <summary>
/// The STUN Binding method: RFC 8489 §6.3.1 / §7.3.1 (server behaviour), RFC 5780 §7
/// (RESPONSE-ORIGIN, OTHER-ADDRESS, CHANGE-REQUEST) and RFC 3489 §11.2 for classic clients.
/// </summary>
internal sealed class BindingHandler
{
    // RFC 3489 §11.2.2 / §11.2.3: SOURCE-ADDRESS and CHANGED-ADDRESS, gone from RFC 5389.
    private const StunAttributeType SourceAddress = (StunAttributeType)0x0004;
    private const StunAttributeType ChangedAddress = (StunAttributeType)0x0005;
    private const ushort ClassicBindingResponse = 0x0101;
    private const ushort ClassicBindingError = 0x0111;

    private readonly StunServiceOptions _options;
    private readonly WorkerCounters _counters;
    private readonly IBindingObserver? _observer;

    public BindingHandler(StunServiceOptions options, WorkerCounters counters, IBindingObserver? observer)
    {
        _options = options;
        _counters = counters;
        _observer = observer;
    }

    /// <summary>Answers a Binding request; <paramref name="replyTo"/> says where the answer goes (RFC 5780 may change both ends).</summary>
    public int Handle(in StunMessage request, in PacketContext context, Span<byte> response, out PacketContext replyTo)
    {
        _counters.BindingRequests++;
        replyTo = context;
        if (!request.HasMagicCookie)
        {
            return _options.Rfc3489Requests ? AnswerClassic(request, context, response, out replyTo) : Drop();
        }

        bool fingerprint = request.HasFingerprint || _options.AlwaysFingerprint;

        // RFC 8489 §6.3.1.1: unknown comprehension-required attributes get 420 listing them.
        if (request.HasUnknownComprehensionRequired)
        {
            Span<ushort> unknown = stackalloc ushort[16];
            int count = request.CopyUnknownComprehensionRequired(unknown);
            return Error(request, context, response, StunErrorCode.UnknownAttribute, "Unknown Attribute", fingerprint, unknown[..count]);
        }

        // RFC 5780 §6.1: CHANGE-REQUEST, RESPONSE-PORT and PADDING.
        NatDiscoveryEndpoint? here = _options.NatDiscovery?.Find(context);
        int refused = Rfc5780Request.Read(request, context, here, out Rfc5780Request plan, out string? reason);
        if (refused != 0)
        {
            ReadOnlySpan<ushort> changeRequest = [(ushort)StunAttributeType.ChangeRequest];
            return Error(request, context, response, refused, reason!, fingerprint,
                refused == StunErrorCode.UnknownAttribute ? changeRequest : default);
        }

        var writer = new StunMessageWriter(response);
        writer.WriteHeader(StunMethod.Binding, StunClass.SuccessResponse, request.TransactionId);
        writer.AddXorAddress(StunAttributeType.XorMappedAddress, context.Client);
        if (_options.MappedAddressForOldClients)
        {
            writer.AddAddress(StunAttributeType.MappedAddress, context.Client);
        }

        if (_options.ResponseOrigin)
        {
            writer.AddAddress(StunAttributeType.ResponseOrigin, plan.Origin(context));
        }

        if (here is not null)
        {
            // RFC 5780 §7.4: the address of the request's receiver, not of the answer's sender.
            writer.AddAddress(StunAttributeType.OtherAddress, here.Other);
        }

        if (plan.Padding > 0)
        {
            writer.AddPadding(plan.Padding);
        }

        int length = ErrorResponseWriter.Finish(ref writer, _options, fingerprint);
        replyTo = plan.ReplyContext(context);
        Answered(context, 0);
        return length;
    }

    /// <summary>
    /// RFC 3489 §11.2.1: MAPPED-ADDRESS, SOURCE-ADDRESS and CHANGED-ADDRESS, no XOR. CHANGE-REQUEST is
    /// honoured as in RFC 5780; SOURCE- and CHANGED-ADDRESS go with RESPONSE-ORIGIN (coturn leaves all
    /// three out under --response-origin-only-with-rfc5780 when RFC 5780 is off).
    /// </summary>
    private int AnswerClassic(in StunMessage request, in PacketContext context, Span<byte> response, out PacketContext replyTo)
    {
        replyTo = context;
        NatDiscoveryEndpoint? here = _options.NatDiscovery?.Find(context);
        int refused = Rfc5780Request.Read(request, context, here, out Rfc5780Request plan, out string? reason);
        if (refused != 0)
        {
            return ClassicError(request, context, response, refused, reason!);
        }

        var writer = new StunMessageWriter(response);
        writer.WriteClassicHeader(ClassicBindingResponse, request.Raw.Slice(4, Stun.ClassicTransactionIdLength));
        writer.AddAddress(StunAttributeType.MappedAddress, context.Client);
        if (_options.ResponseOrigin)
        {
            writer.AddAddress(SourceAddress, plan.Origin(context));
            writer.AddAddress(ChangedAddress, here?.Other ?? context.Local);
        }

        AddClassicSoftware(ref writer);
        replyTo = plan.ReplyContext(context);
        Answered(context, 0);
        return writer.Overflowed ? 0 : writer.Length;
    }

    /// <summary>An RFC 3489 error response: the same 16-byte transaction id, every attribute a multiple of 4 bytes long.</summary>
    private int ClassicError(in StunMessage request, in PacketContext context, Span<byte> response, int code, string reason)
    {
        _counters.ErrorResponses++;
        var writer = new StunMessageWriter(response);
        writer.WriteClassicHeader(ClassicBindingError, request.Raw.Slice(4, Stun.ClassicTransactionIdLength));
        Span<char> padded = stackalloc char[(reason.Length + 3) & ~3];
        padded.Fill(' ');
        reason.AsSpan().CopyTo(padded);
        writer.AddErrorCode(code, padded);
        if (code == StunErrorCode.UnknownAttribute)
        {
            // The writer repeats the entry in a classic message, keeping the length a multiple of 4.
            ReadOnlySpan<ushort> changeRequest = [(ushort)StunAttributeType.ChangeRequest];
            writer.AddUnknownAttributes(changeRequest);
        }

        AddClassicSoftware(ref writer);
        Answered(context, code);
        return writer.Overflowed ? 0 : writer.Length;
    }

    private void AddClassicSoftware(ref StunMessageWriter writer)
    {
        if (_options.Software is { } software)
        {
            // RFC 3489 parsers step by the length field alone, so pad the value itself.
            Span<byte> padded = stackalloc byte[(System.Text.Encoding.UTF8.GetMaxByteCount(software.Length) + 3) & ~3];
            int n = System.Text.Encoding.UTF8.GetBytes(software, padded);
            padded = padded[..((n + 3) & ~3)];
            padded[n..].Clear();
            writer.AddAttribute(StunAttributeType.Software, padded);
        }
    }

    private int Error(in StunMessage request, in PacketContext context, Span<byte> response, int code, string reason, bool fingerprint, ReadOnlySpan<ushort> unknown)
    {
        _counters.ErrorResponses++;
        Answered(context, code);
        return ErrorResponseWriter.Write(response, request.Method, request.TransactionId, code, reason, _options, fingerprint, unknown);
    }

    private void Answered(in PacketContext context, int errorCode)
    {
        if (errorCode == 0)
        {
            _counters.BindingSuccesses++;
        }

        _observer?.BindingAnswered(context, errorCode);
    }

    private int Drop()
    {
        _counters.CountDrop(DropReason.NotARequest);
        return 0;
    }
}
