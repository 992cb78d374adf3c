using Serilog.Events;
using Turn.Configuration;
using Turn.Daemon.Logging;

namespace Turn.Daemon;

/// <summary>coturn's logging options → where our log lines go.</summary>
internal static class LogSettingsFactory
{
    public static LogSettings From(TurnServerConfig c, out string? problem)
    {
        problem = null;
        string? file = c.LogFile;
        bool stdout = !c.NoStdoutLog;
        bool syslog = c.Syslog;
        switch (file)
        {
            case "stdout" or "-":
                file = null;
                stdout = true;
                break;
            case "syslog":
                file = null;
                syslog = true;
                break;
            case null or "":
                file = DefaultLogFile(c.SimpleLog);
                break;
            default:
                if (!c.SimpleLog)
                {
                    file = WithPidAndDate(file);
                }

                break;
        }

        string? timestamp = null;
        if (c.NewLogTimestamp)
        {
            timestamp = StrftimeFormat.Iso8601;
            if (!string.IsNullOrEmpty(c.NewLogTimestampFormat))
            {
                timestamp = StrftimeFormat.ToDotNet(c.NewLogTimestampFormat, out string? bad) ?? StrftimeFormat.Iso8601;
                if (bad is not null)
                {
                    problem = $"new-log-timestamp-format: unsupported specifier {bad} in \"{c.NewLogTimestampFormat}\"; using ISO 8601";
                }
            }
        }

        LogEventLevel level = c.Verbose switch
        {
            LogVerbosity.ExtraVerbose => LogEventLevel.Verbose,
            LogVerbosity.Verbose => LogEventLevel.Debug,
            _ => LogEventLevel.Information,
        };
        level = c.LogMinLevel switch
        {
            TurnLogLevel.Debug => LogEventLevel.Debug,
            TurnLogLevel.Info => LogEventLevel.Information,
            TurnLogLevel.Warning => LogEventLevel.Warning,
            TurnLogLevel.Error => LogEventLevel.Error,
            _ => level,
        };

        return new LogSettings
        {
            Stdout = stdout,
            FilePath = file,
            Syslog = syslog,
            SyslogFacility = c.SyslogFacility ?? "LOG_USER",
            MinimumLevel = level,
            TimestampFormat = timestamp,
        };
    }

    /// <summary>coturn's default log file: the first writable of its directories, turn_&lt;pid&gt;_&lt;date&gt;.log.</summary>
    private static string? DefaultLogFile(bool simple)
    {
        string name = simple ? "turn.log" : $"turn_{Environment.ProcessId}_{DateTime.Now:yyyy-MM-dd}.log";
        foreach (string dir in new[] { "/var/log/turnserver", "/var/log", "/var/tmp", "/tmp", "." })
        {
            if (IsWritableDirectory(dir))
            {
                return Path.Combine(dir, name);
            }
        }

        return null;
    }

    private static string WithPidAndDate(string path)
    {
        string dir = Path.GetDirectoryName(path) ?? string.Empty;
        string ext = Path.GetExtension(path);
        string stem = Path.GetFileNameWithoutExtension(path);
        return Path.Combine(dir, $"{stem}_{Environment.ProcessId}_{DateTime.Now:yyyy-MM-dd}{(ext.Length == 0 ? ".log" : ext)}");
    }

    private static bool IsWritableDirectory(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return false;
        }

        string probe = Path.Combine(dir, $".turnserver-{Environment.ProcessId}.probe");
        try
        {
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
