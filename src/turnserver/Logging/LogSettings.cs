using Serilog.Events;

namespace Turn.Daemon.Logging;

/// <summary>Where and how the daemon logs, resolved from coturn's logging options.</summary>
internal sealed record LogSettings
{
    /// <summary>Write to standard output (off with --no-stdout-log; on alone with log-file=stdout).</summary>
    public bool Stdout { get; init; } = true;

    /// <summary>The log file path, or null for none.</summary>
    public string? FilePath { get; init; }

    /// <summary>Write to the local syslog (--syslog or log-file=syslog).</summary>
    public bool Syslog { get; init; }

    public string SyslogFacility { get; init; } = "LOG_USER";

    public LogEventLevel MinimumLevel { get; init; } = LogEventLevel.Information;

    /// <summary>A .NET date format for the line prefix, or null for coturn's seconds-since-start prefix.</summary>
    public string? TimestampFormat { get; init; }
}
