using Turn.Protocol;

namespace Turn.Client.Turn;

/// <summary>The server answered a TURN request with an error response (after any authentication retries).</summary>
public sealed class TurnErrorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TurnErrorException(StunMethod method, int code, string reason, StunAddress? alternateServer = null)
        : base($"{method} error {code} ({reason})")
    {
        Method = method;
        Code = code;
        Reason = reason;
        AlternateServer = alternateServer;
    }

    /// <summary>The method of the failed request.</summary>
    public StunMethod Method { get; }

    /// <summary>The ERROR-CODE number (300–699).</summary>
    public int Code { get; }

    /// <summary>The reason phrase sent by the server (or the standard one if it sent none).</summary>
    public string Reason { get; }

    /// <summary>ALTERNATE-SERVER of a 300 (Try Alternate) answer.</summary>
    public StunAddress? AlternateServer { get; }
}
