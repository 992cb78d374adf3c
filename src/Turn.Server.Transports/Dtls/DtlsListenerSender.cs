using Turn.Protocol;
using Turn.Server.Dtls;
using Turn.Server.Transports.Native;

namespace Turn.Server.Transports.Dtls;

/// <summary>
/// Handshake records from a handshake thread to the client, straight from the worker's listener
/// socket with sendto (a system call on a shared descriptor is safe from any thread; the worker's
/// own send batch is not and is left alone). Never blocks: a full socket buffer drops the datagram
/// and the handshake's retransmission covers it.
/// </summary>
internal sealed unsafe class DtlsListenerSender(int fd, StunAddress client) : IDtlsDatagramSender
{
    public void SendDatagram(ReadOnlySpan<byte> datagram)
    {
        byte* name = stackalloc byte[SockAddr.MaxLength];
        uint nameLength = SockAddr.Write(client, name);
        fixed (byte* p = datagram)
        {
            _ = Libc.sendto(fd, p, (nuint)datagram.Length, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL, name, nameLength);
        }
    }
}
