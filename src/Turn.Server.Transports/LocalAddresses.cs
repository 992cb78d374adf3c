using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Turn.Server.Transports;

/// <summary>The machine's own addresses, as coturn uses them when no listening-ip is given.</summary>
public static class LocalAddresses
{
    /// <summary>
    /// Every IPv4 and IPv6 address of an interface that is up, loopback included, link-local
    /// excluded (a link-local listener needs a scope and is never what a TURN client reaches).
    /// </summary>
    public static IReadOnlyList<IPAddress> All()
    {
        var result = new List<IPAddress>();
        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown))
            {
                continue;
            }

            foreach (UnicastIPAddressInformation info in nic.GetIPProperties().UnicastAddresses)
            {
                IPAddress a = info.Address;
                if (a.AddressFamily == AddressFamily.InterNetworkV6 && (a.IsIPv6LinkLocal || a.IsIPv6Multicast))
                {
                    continue;
                }

                if (a.AddressFamily == AddressFamily.InterNetwork && a.GetAddressBytes() is [169, 254, ..])
                {
                    continue;
                }

                if (!result.Contains(a))
                {
                    result.Add(a);
                }
            }
        }

        return result;
    }
}
