namespace Turn.Configuration;

/// <summary>What kind of fatal configuration problem a <see cref="ConfigException"/> reports.</summary>
public enum ConfigErrorKind
{
    /// <summary>An option on the command line that does not exist (or is ambiguous).</summary>
    UnknownOption,

    /// <summary>An option that needs a value got none (or got one it does not allow).</summary>
    MissingValue,

    /// <summary>A value that does not parse or is out of range (port, address, boolean, enum ...).</summary>
    InvalidValue,

    /// <summary>Values that are fine one by one but not together (min-port &gt; max-port, ...).</summary>
    Inconsistent,

    /// <summary>A file that the configuration needs (certificate, key, CA, DH parameters) cannot be read.</summary>
    FileNotReadable,

    /// <summary>The configuration file itself could not be read.</summary>
    ConfigFileUnreadable,
}

/// <summary>A fatal configuration error. <see cref="Exception.Message"/> is complete and ready to print.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(ConfigErrorKind kind, string message, string? optionName = null, string? value = null,
        string? file = null, int? line = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        OptionName = optionName;
        Value = value;
        File = file;
        Line = line;
    }

    /// <summary>Category of the problem.</summary>
    public ConfigErrorKind Kind { get; }

    /// <summary>Long name of the option concerned (or the short letter for short-only options), if any.</summary>
    public string? OptionName { get; }

    /// <summary>The offending value as given, if any.</summary>
    public string? Value { get; }

    /// <summary>Configuration file in which the value was given, or null for the command line.</summary>
    public string? File { get; }

    /// <summary>1-based line in <see cref="File"/>.</summary>
    public int? Line { get; }
}
