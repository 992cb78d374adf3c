using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Turn.Utils.Stunclient;

/// <summary>
/// Reproduces what coturn 4.6.1's turnutils_stunclient writes to stdout, so scripts that grep it keep working:
/// <list type="bullet">
/// <item>plain <c>printf</c> lines ("RFC 5780 response 1", "The response is an error 400 (Bad Request)");</item>
/// <item>log lines from <c>addr_debug_print</c>: <c>"&lt;seconds&gt;: : IPv4. UDP reflexive addr: 127.0.0.1:40000"</c>, where
/// the number is the seconds since logging started and <c>"IPv4. %s: %s:%d"</c> is the address format. coturn's
/// logger writes its very first line twice (once while opening its "stdout" log), and so do we.</item>
/// </list>
/// </summary>
internal sealed class CoturnOutput(TextWriter stdout)
{
    private Stopwatch? _logClock;

    public void Printf(string text) => stdout.Write(text);

    public void Log(string line)
    {
        bool first = _logClock is null;
        _logClock ??= Stopwatch.StartNew();
        string s = string.Create(CultureInfo.InvariantCulture, $"{(long)_logClock.Elapsed.TotalSeconds}: : {line}\n");
        stdout.Write(s);
        if (first) stdout.Write(s);
        stdout.Flush();
    }

    /// <summary>coturn's <c>addr_debug_print(1, addr, label)</c>.</summary>
    public void Address(IPEndPoint? addr, string label)
    {
        if (addr is null)
        {
            Log($"{label}: EMPTY");
            return;
        }
        string family = addr.AddressFamily switch
        {
            AddressFamily.InterNetwork => "IPv4",
            AddressFamily.InterNetworkV6 => "IPv6",
            _ => "IP",
        };
        Log(string.Create(CultureInfo.InvariantCulture, $"{family}. {label}: {Ntop(addr.Address)}:{addr.Port}"));
    }

    /// <summary>inet_ntop text: no IPv6 scope suffix.</summary>
    private static string Ntop(IPAddress ip)
    {
        if (ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.ScopeId != 0)
            ip = new IPAddress(ip.GetAddressBytes());
        return ip.ToString();
    }
}
