namespace Turn.Server.Transports;

/// <summary>
/// RFC 5780's second ports (alt-listening-port, alt-tls-listening-port): bound on every listening
/// address beside the main ones, so CHANGE-REQUEST can be answered from another port.
/// </summary>
/// <param name="Port">The alternate of the listening port; 0 = the listening port + 1.</param>
/// <param name="TlsPort">The alternate of the TLS listening port; 0 = the TLS listening port + 1.</param>
public sealed record AlternatePorts(int Port, int TlsPort)
{
    /// <summary>The alternate of <paramref name="bound"/> given a configured value (0 = bound + 1).</summary>
    public static int Resolve(int configured, int bound) => configured != 0 ? configured : bound + 1;
}
