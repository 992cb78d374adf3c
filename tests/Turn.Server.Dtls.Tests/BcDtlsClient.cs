using System.Collections;
using System.Net;
using System.Net.Sockets;
using Org.BouncyCastle.Crypto.Tls;
using Org.BouncyCastle.Security;

namespace Turn.Server.Dtls.Tests;

/// <summary>
/// BouncyCastle's DTLS 1.2 client (its own handshake code, which answers HelloVerifyRequests)
/// over a UDP socket: an implementation independent of the server's record layer.
/// </summary>
internal sealed class BcDtlsClient : IDisposable
{
    private readonly UdpTransport _udp;

    private BcDtlsClient(UdpTransport udp, DtlsTransport dtls)
    {
        _udp = udp;
        Transport = dtls;
    }

    public DtlsTransport Transport { get; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_udp.Socket.LocalEndPoint!;

    /// <summary>Handshakes with the server (bounded by <paramref name="timeout"/>).</summary>
    public static BcDtlsClient Connect(IPEndPoint server, TimeSpan timeout, IPAddress? localAddress = null, bool dtls10 = false)
    {
        var udp = new UdpTransport(server, localAddress ?? IPAddress.Loopback, DateTime.UtcNow + timeout);
        try
        {
            DtlsTransport dtls = new DtlsClientProtocol(new SecureRandom()).Connect(new Client(dtls10 ? ProtocolVersion.DTLSv10 : ProtocolVersion.DTLSv12), udp);
            udp.Deadline = DateTime.MaxValue;
            return new BcDtlsClient(udp, dtls);
        }
        catch
        {
            udp.Socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one application record and waits for one (null when none came in time).</summary>
    public byte[]? Exchange(byte[] request, TimeSpan timeout)
    {
        Transport.Send(request, 0, request.Length);
        return Receive(timeout);
    }

    public byte[]? Receive(TimeSpan timeout)
    {
        byte[] buffer = new byte[Transport.GetReceiveLimit()];
        DateTime until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            int n = Transport.Receive(buffer, 0, buffer.Length, (int)Math.Max(1, (until - DateTime.UtcNow).TotalMilliseconds));
            if (n >= 0)
            {
                return buffer[..n];
            }
        }

        return null;
    }

    /// <summary>Sends close_notify and closes.</summary>
    public void Dispose()
    {
        try
        {
            Transport.Close();
        }
        catch (IOException)
        {
        }

        _udp.Socket.Dispose();
    }

    private sealed class Client(ProtocolVersion version) : DefaultTlsClient
    {
        public override ProtocolVersion ClientVersion => version;

        public override ProtocolVersion MinimumVersion => version;

        /// <summary>The suite the server chose (read after the handshake).</summary>
        public int Suite => mSelectedCipherSuite;

        public override TlsAuthentication GetAuthentication() => new AcceptAnyServer();
    }

    private sealed class AcceptAnyServer : TlsAuthentication
    {
        public void NotifyServerCertificate(Certificate serverCertificate)
        {
        }

        public TlsCredentials? GetClientCredentials(CertificateRequest certificateRequest) => null;
    }

    private sealed class UdpTransport : DatagramTransport
    {
        public UdpTransport(IPEndPoint server, IPAddress local, DateTime deadline)
        {
            Socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            Socket.Bind(new IPEndPoint(local, 0));
            Socket.Connect(server);
            Deadline = deadline;
        }

        public Socket Socket { get; }

        public DateTime Deadline { get; set; }

        public int GetReceiveLimit() => 65535;

        public int GetSendLimit() => 1400;

        public int Receive(byte[] buf, int off, int len, int waitMillis)
        {
            if (DateTime.UtcNow > Deadline)
            {
                throw new TimeoutException("DTLS handshake did not finish in time");
            }

            if (!Socket.Poll(TimeSpan.FromMilliseconds(Math.Max(1, waitMillis)), SelectMode.SelectRead))
            {
                return -1;
            }

            try
            {
                return Socket.Receive(buf, off, len, SocketFlags.None);
            }
            catch (SocketException)
            {
                return -1; // ICMP port unreachable and the like
            }
        }

        public void Send(byte[] buf, int off, int len) => Socket.Send(buf, off, len, SocketFlags.None);

        public void Close()
        {
        }
    }
}
