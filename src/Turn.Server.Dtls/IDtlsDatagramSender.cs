namespace Turn.Server.Dtls;

/// <summary>
/// Sends a datagram to one client from the socket its DTLS session lives on. Called from a
/// handshake thread (not the relay worker), so implementations must be safe to call from any thread.
/// </summary>
public interface IDtlsDatagramSender
{
    void SendDatagram(ReadOnlySpan<byte> datagram);
}
