using System.Net;
using Turn.Protocol;

namespace Turn.Security.Tests;

internal static class TestAddresses
{
    /// <summary>"1.2.3.4" or "::ffff:1.2.3.4" as written (mapped addresses stay IPv6), with a port.</summary>
    public static StunAddress A(string ip, ushort port = 40000) => StunAddress.FromIPAddress(IPAddress.Parse(ip), port);

    /// <summary>"a;b;c" → ["a","b","c"]; "" → [].</summary>
    public static string[] List(string items) => items.Length == 0 ? [] : items.Split(';');

    public static PeerAddressFilter Filter(string allowed = "", string denied = "", bool allowLoopback = false, bool noMulticast = false)
        => new(PeerAddressFilterOptions.FromStrings(allowLoopback, noMulticast, List(allowed), List(denied)));

    public static string Text(StunAddress a) => a.ToIPAddress().ToString();
}
