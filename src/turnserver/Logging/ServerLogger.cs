using System.Diagnostics;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Turn.Server;

namespace Turn.Daemon.Logging;

/// <summary>
/// The daemon's logger: Serilog sinks built from <see cref="LogSettings"/>, rebuilt on SIGHUP so
/// that a rotated log file is reopened. Also the engine's <see cref="IServerLog"/>.
/// </summary>
internal sealed class ServerLogger : IServerLog, IDisposable
{
    private static readonly Stopwatch Uptime = Stopwatch.StartNew();
    private readonly LogSettings _settings;
    private readonly object _gate = new();
    private Logger _current;

    public ServerLogger(LogSettings settings)
    {
        _settings = settings;
        _current = Build(settings);
    }

    public bool IsDebugEnabled => _current.IsEnabled(LogEventLevel.Debug);

    /// <summary>Closes and reopens every sink (SIGHUP).</summary>
    public void Reopen()
    {
        Logger fresh = Build(_settings);
        Logger old;
        lock (_gate)
        {
            old = _current;
            _current = fresh;
        }

        old.Dispose();
    }

    public void Debug(string message) => _current.Debug("{Text:l}", message);

    public void Info(string message) => _current.Information("{Text:l}", message);

    public void Warning(string message) => _current.Warning("{Text:l}", message);

    public void Error(string message) => _current.Error("{Text:l}", message);

    public void Fatal(string message) => _current.Fatal("{Text:l}", message);

    public void Dispose()
    {
        lock (_gate)
        {
            _current.Dispose();
        }
    }

    private static Logger Build(LogSettings s)
    {
        string prefix = s.TimestampFormat is null ? "{Uptime}" : "{Timestamp:" + s.TimestampFormat + "}";
        string template = prefix + ": {Lvl}: {Message:l}{NewLine}{Exception}";
        LoggerConfiguration config = new LoggerConfiguration()
            .MinimumLevel.Is(s.MinimumLevel)
            .Enrich.With(new CoturnStyleEnricher());
        if (s.Stdout)
        {
            config = config.WriteTo.Console(outputTemplate: template, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }

        if (s.FilePath is not null)
        {
            config = config.WriteTo.File(s.FilePath, outputTemplate: template, shared: true, flushToDiskInterval: TimeSpan.FromSeconds(1), formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }

        if (s.Syslog)
        {
            config = config.WriteTo.Sink(new SyslogSink(s.SyslogFacility, "turnserver"));
        }

        return config.CreateLogger();
    }

    /// <summary>Adds coturn's line prefix pieces: seconds since start and an upper-case level word.</summary>
    private sealed class CoturnStyleEnricher : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory factory)
        {
            logEvent.AddPropertyIfAbsent(factory.CreateProperty("Uptime", (long)Uptime.Elapsed.TotalSeconds));
            string level = logEvent.Level switch
            {
                LogEventLevel.Verbose or LogEventLevel.Debug => "DEBUG",
                LogEventLevel.Information => "INFO",
                LogEventLevel.Warning => "WARNING",
                LogEventLevel.Error => "ERROR",
                _ => "FATAL",
            };
            logEvent.AddPropertyIfAbsent(factory.CreateProperty("Lvl", level));
        }
    }
}
