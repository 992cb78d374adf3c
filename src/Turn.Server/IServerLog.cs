namespace Turn.Server;

/// <summary>
/// The engine's and transports' view of logging, so neither depends on a logging library.
/// The program adapts it to its logger. Never called per relayed packet.
/// </summary>
public interface IServerLog
{
    bool IsDebugEnabled { get; }

    void Debug(string message);

    void Info(string message);

    void Warning(string message);

    void Error(string message);
}

/// <summary>A log that discards everything (tests, tools).</summary>
public sealed class NullServerLog : IServerLog
{
    public static readonly NullServerLog Instance = new();

    public bool IsDebugEnabled => false;

    public void Debug(string message)
    {
    }

    public void Info(string message)
    {
    }

    public void Warning(string message)
    {
    }

    public void Error(string message)
    {
    }
}
