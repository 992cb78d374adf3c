using System.Net.Sockets;
using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace Turn.Daemon.Logging;

/// <summary>
/// Writes log events to the local syslog daemon (the /dev/log datagram socket) in RFC 3164 form:
/// "&lt;PRI&gt;TAG[PID]: message". There is no Serilog syslog sink in our registry, and this is all
/// a local syslog needs.
/// </summary>
internal sealed class SyslogSink : ILogEventSink, IDisposable
{
    private const string DevLog = "/dev/log";
    private readonly Socket? _socket;
    private readonly int _facility;
    private readonly string _tag;
    private readonly object _gate = new();

    public SyslogSink(string facilityName, string tag)
    {
        _facility = ParseFacility(facilityName);
        _tag = $"{tag}[{Environment.ProcessId}]";
        try
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(DevLog));
            _socket = socket;
        }
        catch (SocketException)
        {
            // No syslog daemon (containers, CI): syslog output is silently unavailable, as with libc's syslog().
            _socket = null;
        }
    }

    /// <summary>LOG_USER unless named: LOG_USER, LOG_DAEMON, LOG_LOCAL0..7 (with or without the LOG_ prefix).</summary>
    public static int ParseFacility(string? name)
    {
        string n = (name ?? string.Empty).Trim().ToUpperInvariant();
        if (n.StartsWith("LOG_", StringComparison.Ordinal))
        {
            n = n[4..];
        }

        return n switch
        {
            "KERN" => 0,
            "USER" or "" => 1,
            "MAIL" => 2,
            "DAEMON" => 3,
            "AUTH" => 4,
            "SYSLOG" => 5,
            "LPR" => 6,
            "NEWS" => 7,
            "UUCP" => 8,
            "CRON" => 9,
            "AUTHPRIV" => 10,
            "FTP" => 11,
            "LOCAL0" => 16,
            "LOCAL1" => 17,
            "LOCAL2" => 18,
            "LOCAL3" => 19,
            "LOCAL4" => 20,
            "LOCAL5" => 21,
            "LOCAL6" => 22,
            "LOCAL7" => 23,
            _ => 1,
        };
    }

    public void Emit(LogEvent logEvent)
    {
        if (_socket is null)
        {
            return;
        }

        int severity = logEvent.Level switch
        {
            LogEventLevel.Fatal => 2,
            LogEventLevel.Error => 3,
            LogEventLevel.Warning => 4,
            LogEventLevel.Information => 6,
            _ => 7,
        };
        string line = $"<{(_facility * 8) + severity}>{_tag}: {logEvent.RenderMessage()}";
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        lock (_gate)
        {
            try
            {
                _socket.Send(bytes);
            }
            catch (SocketException)
            {
                // syslog restarted or full: drop the line rather than stall the server.
            }
        }
    }

    public void Dispose() => _socket?.Dispose();
}
