using System.Buffers.Binary;
using Turn.Protocol;

namespace Turn.Server;

/// <summary>
/// Turns one received STUN packet into at most one answer. One instance per worker thread:
/// it holds no locks and allocates nothing per packet.
/// </summary>
public sealed class StunRequestProcessor
{
    private readonly BindingHandler _binding;
    private readonly StunServiceOptions _options;

    public StunRequestProcessor(StunServiceOptions options, IBindingObserver? observer = null)
    {
        _options = options;
        Counters = new WorkerCounters();
        _binding = new BindingHandler(options, Counters, observer);
    }

    public WorkerCounters Counters { get; }

    /// <summary>
    /// Handles <paramref name="packet"/> and writes the answer, if any, into <paramref name="response"/>.
    /// </summary>
    /// <returns>The answer's length in bytes, or 0 when nothing is to be sent.</returns>
    public int Process(ReadOnlySpan<byte> packet, in PacketContext context, Span<byte> response)
        => Process(packet, context, response, out _);

    /// <summary>
    /// Handles <paramref name="packet"/>; the answer, if any, goes to <paramref name="replyTo"/>: the
    /// context itself, except for RFC 5780 requests answered from another server address or to another client port.
    /// </summary>
    public int Process(ReadOnlySpan<byte> packet, in PacketContext context, Span<byte> response, out PacketContext replyTo)
    {
        StunParseStatus status = StunMessage.TryParse(packet, out StunMessage message);
        return ProcessParsed(status, message, packet, context, response, out replyTo);
    }

    /// <summary>The same as <see cref="Process(ReadOnlySpan{byte}, in PacketContext, Span{byte})"/> for a packet the caller already parsed.</summary>
    public int ProcessParsed(StunParseStatus status, in StunMessage message, ReadOnlySpan<byte> packet, in PacketContext context, Span<byte> response)
        => ProcessParsed(status, message, packet, context, response, out _);

    /// <summary>The same as <see cref="Process(ReadOnlySpan{byte}, in PacketContext, Span{byte}, out PacketContext)"/> for a packet the caller already parsed.</summary>
    public int ProcessParsed(StunParseStatus status, in StunMessage message, ReadOnlySpan<byte> packet, in PacketContext context, Span<byte> response, out PacketContext replyTo)
    {
        replyTo = context;
        if (status == StunParseStatus.NotStun)
        {
            Counters.CountDrop(DropReason.NotStun);
            return 0;
        }

        if (status != StunParseStatus.Ok)
        {
            // RFC 8489 §6.3: a message whose framing is broken (attribute lengths overrunning the
            // message, misplaced FINGERPRINT) is discarded silently, as coturn does: it is more
            // likely corruption or a probe than a client that a 400 would help.
            Counters.CountDrop(DropReason.Malformed);
            return 0;
        }

        // RFC 8489 §7.3: a FINGERPRINT that does not check means the packet is not STUN.
        if (message.HasFingerprint && !StunIntegrity.VerifyFingerprint(message))
        {
            Counters.CountDrop(DropReason.BadFingerprint);
            return 0;
        }

        if (message.Class != StunClass.Request)
        {
            // Indications (e.g. Binding keep-alives) and stray responses get no answer.
            Counters.CountDrop(DropReason.NotARequest);
            return 0;
        }

        if (message.Method == StunMethod.Binding)
        {
            if (_options.NoStun)
            {
                Counters.CountDrop(DropReason.StunDisabled);
                return 0;
            }

            return _binding.Handle(message, context, response, out replyTo);
        }

        if (_options.StunOnly)
        {
            Counters.CountDrop(DropReason.TurnDisabled);
            return 0;
        }

        // A method this server does not serve (RFC 8489 §6.3.1: 400 for an unknown method).
        Counters.ErrorResponses++;
        return ErrorResponseWriter.Write(response, message, StunErrorCode.BadRequest, "Method not supported", _options);
    }

    /// <summary>Counts a packet the caller decided to drop.</summary>
    public void CountDrop(DropReason reason) => Counters.CountDrop(reason);
}
