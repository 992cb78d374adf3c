using Turn.Configuration;
using Turn.Server;
using Turn.UserDb;

namespace Turn.Daemon.UserDb;

/// <summary>-O/--redis-statsdb: the status and statistics database, when configured.</summary>
internal static class StatsDbSetup
{
    /// <summary>
    /// The reporter for the configured database (it connects in the background), or null when none is configured.
    /// A malformed connection string is logged and the server runs without statistics, as coturn does.
    /// </summary>
    public static StatsDbReporter? Start(TurnServerConfig config, IServerLog log)
    {
        if (string.IsNullOrWhiteSpace(config.RedisStatsDb))
        {
            return null;
        }

        try
        {
            var reporter = new StatsDbReporter(config.RedisStatsDb, log);
            log.Info($"redis-statsdb: allocation statuses and traffic go to {reporter.Description}");
            return reporter;
        }
        catch (UserDbException e)
        {
            log.Error($"redis-statsdb: {e.Message}; running without the status database");
            return null;
        }
    }
}
