using System.Net;

namespace Turn.Client;

/// <summary>No valid response arrived before the transaction timed out.</summary>
public sealed class StunTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public StunTimeoutException(EndPoint server, StunTransport transport, int transmissions, TimeSpan elapsed)
        : base(FormatMessage(server, transport, transmissions, elapsed))
    {
        Server = server;
        Transport = transport;
        Transmissions = transmissions;
        Elapsed = elapsed;
    }

    /// <summary>Where the request went.</summary>
    public EndPoint Server { get; }

    /// <summary>UDP or TCP.</summary>
    public StunTransport Transport { get; }

    /// <summary>How many times the request was sent (1 over TCP).</summary>
    public int Transmissions { get; }

    /// <summary>Time from the first transmission until giving up.</summary>
    public TimeSpan Elapsed { get; }

    private static string FormatMessage(EndPoint server, StunTransport transport, int transmissions, TimeSpan elapsed)
    {
        string times = transmissions == 1 ? "1 request" : $"{transmissions} requests";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"no STUN response from {server} over {(transport == StunTransport.Udp ? "UDP" : "TCP")} ({times}, {elapsed.TotalSeconds:0.0} s)");
    }
}
