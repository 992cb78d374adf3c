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

    private readonly StunServiceOptions _options;
    private readonly WorkerCounters _counters;
    private readonly IBindingObserver? _observer;

    public BindingHandler(StunServiceOptions options, WorkerCounters counters, IBindingObserver? observer)
    {
        _options = options;
        _counters = counters;
        _observer = observer;
    }

    public int Handle(in StunMessage request, in PacketContext context, Span<byte> response)
    {
        _counters.BindingRequests++;
        if (!request.HasMagicCookie)
        {
            return _options.Rfc3489Requests ? AnswerClassic(request, context, response) : Drop();
        }

        bool fingerprint = request.HasFingerprint || _options.AlwaysFingerprint;

        // RFC 8489 §6.3.1.1: unknown comprehension-required attributes get 420 listing them.
        if (request.HasUnknownComprehensionRequired)
        {
            Span<ushort> unknown = stackalloc ushort[16];
            int count = request.CopyUnknownComprehensionRequired(unknown);
            return Error(request, context, response, StunErrorCode.UnknownAttribute, "Unknown Attribute", fingerprint, unknown[..count]);
        }

        // RFC 5780 §7.2: CHANGE-REQUEST is comprehension-required; without a second address we
        // cannot honour it, so it is "unknown" to this server (as coturn answers).
        if (_options.OtherAddress is null && request.TryGetAttribute(StunAttributeType.ChangeRequest, out _))
        {
            ReadOnlySpan<ushort> changeRequest = [(ushort)StunAttributeType.ChangeRequest];
            return Error(request, context, response, StunErrorCode.UnknownAttribute, "CHANGE-REQUEST not supported: no alternate address", fingerprint, changeRequest);
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
            writer.AddAddress(StunAttributeType.ResponseOrigin, context.Local);
        }

        if (_options.OtherAddress is { } other)
        {
            writer.AddAddress(StunAttributeType.OtherAddress, other);
        }

        int length = ErrorResponseWriter.Finish(ref writer, _options, fingerprint);
        Answered(context, 0);
        return length;
    }

    /// <summary>RFC 3489 §11.2.1: MAPPED-ADDRESS, SOURCE-ADDRESS and CHANGED-ADDRESS, no XOR.</summary>
    private int AnswerClassic(in StunMessage request, in PacketContext context, Span<byte> response)
    {
        var writer = new StunMessageWriter(response);
        const ushort BindingResponse = 0x0101;
        writer.WriteClassicHeader(BindingResponse, request.Raw.Slice(4, 16));
        writer.AddAddress(StunAttributeType.MappedAddress, context.Client);
        writer.AddAddress(SourceAddress, context.Local);
        writer.AddAddress(ChangedAddress, _options.OtherAddress ?? context.Local);
        if (_options.Software is { } software)
        {
            // RFC 3489 parsers step by the length field alone, so pad the value itself.
            Span<byte> padded = stackalloc byte[(System.Text.Encoding.UTF8.GetMaxByteCount(software.Length) + 3) & ~3];
            int n = System.Text.Encoding.UTF8.GetBytes(software, padded);
            padded = padded[..((n + 3) & ~3)];
            padded[n..].Clear();
            writer.AddAttribute(StunAttributeType.Software, padded);
        }

        Answered(context, 0);
        return writer.Overflowed ? 0 : writer.Length;
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
