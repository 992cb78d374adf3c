namespace Turn.Server;

/// <summary>The client-facing transport a message arrived on.</summary>
public enum TransportKind : byte
{
    Udp,
    Tcp,
    Tls,
    Dtls,
}
